package org.clonefarm.platform.io;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A byte range of a file or block device: a minidisk is a region of its volume image, a whole
 * image is the region from 0 with an unknown length.
 *
 * <p>Written on the command line as {@code PATH}, {@code PATH:OFFSET} or {@code PATH:OFFSET:LENGTH}
 * (bytes, decimal). Immutable and thread-safe.
 *
 * @param path the file or block device
 * @param offset the first byte of the region, at least 0
 * @param length the region's length in bytes, or {@link #TO_END} for "up to the end of the file"
 */
public record FileRegion(Path path, long offset, long length) {

    /** Length marker for a region that runs to the end of the file. */
    public static final long TO_END = -1;

    public FileRegion {
        Objects.requireNonNull(path, "path");
        if (offset < 0) {
            throw new IllegalArgumentException("offset of " + path + " must be at least 0, got " + offset);
        }
        if (length < 0 && length != TO_END) {
            throw new IllegalArgumentException("length of " + path + " must be at least 0, got " + length);
        }
    }

    /** The whole file. */
    public static FileRegion whole(Path path) {
        return new FileRegion(path, 0, TO_END);
    }

    /** Whether the length runs to the end of the file. */
    public boolean toEnd() {
        return length == TO_END;
    }

    /**
     * Parses {@code PATH[:OFFSET[:LENGTH]]}. A path that itself contains a colon is written with
     * explicit offset and length (the last two colon-separated parts are taken as numbers only when
     * both or the last one parse as numbers). A negative number in either place ({@code PATH:-4096})
     * is refused, never taken as part of the path.
     *
     * @throws IllegalArgumentException naming the text and what is wrong with it
     */
    public static FileRegion parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty file region: expected PATH[:OFFSET[:LENGTH]]");
        }
        String[] parts = text.split(":", -1);
        int n = parts.length;
        if (n >= 2 && isNegative(parts[n - 1])) {
            boolean length = n >= 3 && (isNumber(parts[n - 2]) || isNegative(parts[n - 2]));
            throw negative(length ? "length" : "offset", parts[n - 1], text);
        }
        if (n >= 3 && isNumber(parts[n - 1]) && isNegative(parts[n - 2])) {
            throw negative("offset", parts[n - 2], text);
        }
        if (parts.length >= 3 && isNumber(parts[parts.length - 1]) && isNumber(parts[parts.length - 2])) {
            String path = String.join(":", java.util.Arrays.copyOf(parts, parts.length - 2));
            return new FileRegion(requirePath(path, text), number(parts[parts.length - 2], "offset", text),
                    number(parts[parts.length - 1], "length", text));
        }
        if (parts.length >= 2 && isNumber(parts[parts.length - 1])) {
            String path = String.join(":", java.util.Arrays.copyOf(parts, parts.length - 1));
            return new FileRegion(requirePath(path, text), number(parts[parts.length - 1], "offset", text), TO_END);
        }
        return whole(requirePath(text, text));
    }

    private static Path requirePath(String path, String text) {
        if (path.isEmpty()) {
            throw new IllegalArgumentException("no path in file region '" + text + "': expected PATH[:OFFSET[:LENGTH]]");
        }
        return Path.of(path);
    }

    private static boolean isNegative(String part) {
        return part.length() > 1 && part.charAt(0) == '-' && isNumber(part.substring(1));
    }

    private static IllegalArgumentException negative(String what, String part, String text) {
        return new IllegalArgumentException(what + " '" + part + "' in file region '" + text
                + "' is negative: offsets and lengths are byte counts of 0 or more");
    }

    private static boolean isNumber(String part) {
        if (part.isEmpty()) {
            return false;
        }
        for (int i = 0; i < part.length(); i++) {
            if (!Character.isDigit(part.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static long number(String part, String what, String text) {
        try {
            return Long.parseLong(part);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + part + "' in file region '" + text
                    + "' is not a byte count (0 to " + Long.MAX_VALUE + ")", e);
        }
    }

    @Override
    public String toString() {
        return toEnd() ? path + ":" + offset : path + ":" + offset + ":" + length;
    }
}
