package org.clonefarm.testsupport;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything about a directory tree that a person could notice, one line per entry, sorted by path:
 * path, type and mode ({@code st_mode} in octal), uid, gid, for files the size, link count, SHA-256 of
 * the content and the first path of the same inode (hard links), for links the target, for devices
 * {@code rdev}, the modification time in nanoseconds, and every extended attribute with its value (all
 * name spaces, read with {@code llistxattr}/{@code lgetxattr}). Directory sizes are left out: ext4 does
 * not shrink a directory that once held more entries. Links are never followed. Stateless.
 */
public final class TreeManifest {

    /** The C library's extended-attribute calls (JNA), for the name spaces Java cannot read. */
    interface Xattr extends Library {
        Xattr C = Native.load("c", Xattr.class);

        long llistxattr(String path, byte[] list, long size) throws LastErrorException;

        long lgetxattr(String path, String name, byte[] value, long size) throws LastErrorException;

        int lsetxattr(String path, String name, byte[] value, long size, int flags) throws LastErrorException;
    }

    private TreeManifest() {
    }

    /** The manifest of the tree at {@code root}: one line per entry. */
    public static List<String> of(Path root) throws IOException {
        TreeMap<String, String> lines = new TreeMap<>();
        Map<String, Object> inodes = new HashMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                lines.put(name(root, dir), describe(root, dir, inodes));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                lines.put(name(root, file), describe(root, file, inodes));
                return FileVisitResult.CONTINUE;
            }
        });
        // hard links: every name of an inode but the first in path order says which name it shares it with
        Map<Object, String> firstName = new HashMap<>();
        List<String> result = new ArrayList<>();
        for (Map.Entry<String, String> line : lines.entrySet()) {
            Object inode = inodes.get(line.getKey());
            String first = inode == null ? line.getKey() : firstName.computeIfAbsent(inode, k -> line.getKey());
            result.add(first.equals(line.getKey()) ? line.getValue() : line.getValue() + " same-inode-as=" + first);
        }
        return result;
    }

    /** Sets an extended attribute on an entry itself (any name space; {@code trusted.*} needs root). */
    public static void setXattr(Path path, String name, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        try {
            Xattr.C.lsetxattr(path.toString(), name, bytes, bytes.length, 0);
        } catch (LastErrorException e) {
            throw new IOException("cannot set " + name + " on " + path + ": errno " + e.getErrorCode(), e);
        }
    }

    /** Every extended attribute of the entry itself, name to value (hex), sorted. */
    public static Map<String, String> xattrs(Path path) throws IOException {
        Map<String, String> values = new TreeMap<>();
        try {
            long size = Xattr.C.llistxattr(path.toString(), null, 0);
            if (size <= 0) {
                return values;
            }
            byte[] list = new byte[(int) size];
            size = Xattr.C.llistxattr(path.toString(), list, list.length);
            int start = 0;
            for (int i = 0; i < size; i++) {
                if (list[i] == 0) {
                    String name = new String(list, start, i - start, StandardCharsets.UTF_8);
                    start = i + 1;
                    long length = Xattr.C.lgetxattr(path.toString(), name, null, 0);
                    byte[] value = new byte[(int) length];
                    Xattr.C.lgetxattr(path.toString(), name, value, value.length);
                    values.put(name, HexFormat.of().formatHex(value));
                }
            }
        } catch (LastErrorException e) {
            throw new IOException("cannot read the extended attributes of " + path + ": errno " + e.getErrorCode(), e);
        }
        return values;
    }

    private static String name(Path root, Path path) {
        String relative = root.relativize(path).toString();
        return relative.isEmpty() ? "/" : "/" + relative;
    }

    private static String describe(Path root, Path path, Map<String, Object> inodes) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, "unix:mode,uid,gid,size,nlink,rdev,lastModifiedTime,fileKey",
                LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        int type = mode & 0170000;
        StringBuilder line = new StringBuilder(name(root, path)).append(' ').append(Integer.toOctalString(mode))
                .append(' ').append(a.get("uid")).append(':').append(a.get("gid"));
        if (type == 0100000) {
            if ((Integer) a.get("nlink") > 1) {
                inodes.put(name(root, path), a.get("fileKey"));
            }
            line.append(" size=").append(a.get("size")).append(" nlink=").append(a.get("nlink"))
                    .append(" sha256=").append(sha256(path));
        } else if (type == 0120000) {
            line.append(" -> ").append(Files.readSymbolicLink(path));
        } else if (type == 0020000 || type == 0060000) {
            line.append(" rdev=").append(a.get("rdev"));
        }
        FileTime mtime = (FileTime) a.get("lastModifiedTime");
        line.append(" mtime=").append(mtime.toInstant());
        Map<String, String> xattrs = xattrs(path);
        if (!xattrs.isEmpty()) {
            line.append(" xattrs=").append(xattrs);
        }
        return line.toString();
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[65536];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
