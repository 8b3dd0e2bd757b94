package org.clonefarm.platform.master.internal;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Paths inside a master ({@code /usr/local/var}) as strings: always absolute, {@code /}-separated, no
 * {@code .} or {@code ..} once normalised. Stateless.
 */
public final class GuestPathNames {
    private GuestPathNames() {
    }

    /** Whether {@code path} is {@code dir} or lies below it. */
    public static boolean isUnder(String path, String dir) {
        return dir.equals("/") || path.equals(dir) || path.startsWith(dir + "/");
    }

    /** The parent of a path other than {@code /}. */
    public static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    /** {@code dir/name}. */
    public static String child(String dir, String name) {
        return dir.equals("/") ? "/" + name : dir + "/" + name;
    }

    /**
     * Where a link's relative target points when the link's directory is {@code dir}, lexically (as the
     * kernel would if no directory on the way were a link); a {@code ..} above the root stays at the root.
     */
    public static String resolve(String dir, String relative) {
        Deque<String> parts = new ArrayDeque<>();
        for (String part : (dir + "/" + relative).split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(part);
            }
        }
        return "/" + String.join("/", parts);
    }

    /** Checks a guest path: absolute, no empty, {@code .} or {@code ..} parts. */
    public static String require(String path) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("not an absolute path inside the master: " + path);
        }
        if (path.equals("/")) {
            return path;
        }
        for (String part : path.substring(1).split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("not a plain path inside the master: " + path);
            }
        }
        return path;
    }
}
