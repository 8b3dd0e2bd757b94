package org.clonefarm.worker.copy.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * What is at a path a copy reads or writes: nothing, a regular file, or a block device, and its
 * size. The size of a block device is read from sysfs ({@code /sys/dev/block/MAJOR:MINOR/size}, in
 * 512-byte sectors), because {@code stat} reports 0 for devices. Stateless, thread-safe.
 */
public final class ExtentProbe {

    /** What a path is. */
    public enum Kind { MISSING, REGULAR_FILE, BLOCK_DEVICE, OTHER }

    /**
     * A probed path.
     *
     * @param kind what it is
     * @param size its size in bytes (0 when missing)
     */
    public record Probe(Kind kind, long size) {
    }

    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    private ExtentProbe() {
    }

    public static Probe probe(Path path) throws IOException {
        Map<String, Object> attrs;
        try {
            attrs = Files.readAttributes(path, "unix:mode,rdev,size");
        } catch (NoSuchFileException e) {
            return new Probe(Kind.MISSING, 0);
        }
        int mode = (Integer) attrs.get("mode");
        if (Files.isRegularFile(path)) {
            return new Probe(Kind.REGULAR_FILE, (Long) attrs.get("size"));
        }
        if ((mode & S_IFMT) == S_IFBLK) {
            return new Probe(Kind.BLOCK_DEVICE, blockDeviceSize(path, (Long) attrs.get("rdev")));
        }
        return new Probe(Kind.OTHER, 0);
    }

    private static long blockDeviceSize(Path device, long rdev) throws IOException {
        long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
        long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
        Path sectors = Path.of("/sys/dev/block/" + major + ":" + minor + "/size");
        try {
            return Long.parseLong(Files.readString(sectors).trim()) * 512;
        } catch (NumberFormatException e) {
            throw new IOException("cannot read the size of block device " + device + " from " + sectors, e);
        }
    }
}
