package org.clonefarm.cli.simulation.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.clonefarm.cli.simulation.GuestRuntimeException;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.HostTool;

/**
 * Makes a real ext4 file system from a directory tree ({@code mke2fs -t ext4 -d TREE}) into a
 * minidisk's extent. mke2fs writes a temporary sparse image of exactly the extent's size, which is
 * then copied into the extent 64 KiB at a time: zero chunks are skipped where the extent already
 * reads as zeros, so the volume image stays sparse. (mke2fs's own {@code -E offset=} is not used: its
 * discard would work on the image as a whole.) Stateless and thread-safe.
 */
public final class Ext4Images {
    private static final int CHUNK = 64 * 1024;
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private Ext4Images() {
    }

    /**
     * Formats {@code region} as ext4 holding {@code tree}.
     *
     * @param label the file system label (at most 16 characters)
     * @param scratch a directory for the temporary image
     */
    public static void make(FileRegion region, Path tree, String label, Path scratch) throws IOException {
        if (region.length() % 4096 != 0) {
            throw new IllegalArgumentException(region + " is not a whole number of 4 KiB blocks");
        }
        Files.createDirectories(scratch);
        Path image = Files.createTempFile(scratch, "mke2fs-" + label + "-", ".img");
        try {
            try {
                HostTool.checkOutput(List.of("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-L", label, "-m", "0",
                        "-E", "root_owner=0:0,lazy_itable_init=0,nodiscard", "-d", tree.toString(), image.toString(),
                        Long.toString(region.length() / 4096)), TIMEOUT);
            } catch (IOException e) {
                // mke2fs failed, could not run or timed out: a step of the simulation's host side, not the disk's I/O
                throw new GuestRuntimeException(e.getMessage(), e instanceof InterruptedIOException, e);
            }
            copySparse(image, region);
        } finally {
            Files.deleteIfExists(image);
        }
    }

    /** Copies a whole file into a region, writing only chunks that differ from zero or from what is there. */
    static void copySparse(Path source, FileRegion target) throws IOException {
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(target.path(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = in.size();
            if (size != target.length()) {
                throw new IOException("image " + source + " has " + size + " bytes, the extent " + target + " "
                        + target.length());
            }
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
            ByteBuffer existing = ByteBuffer.allocate(CHUNK);
            for (long position = 0; position < size; position += CHUNK) {
                int length = (int) Math.min(CHUNK, size - position);
                chunk.clear().limit(length);
                readFully(in, chunk, position);
                if (isZero(chunk.array(), length)) {
                    existing.clear().limit(length);
                    readFully(out, existing, target.offset() + position);
                    if (isZero(existing.array(), length)) {
                        continue;
                    }
                }
                chunk.flip();
                while (chunk.hasRemaining()) {
                    out.write(chunk, target.offset() + position + chunk.position());
                }
            }
            out.force(false);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + buffer.position());
            if (read < 0) {
                // past the end of a sparse volume image reads as zeros
                while (buffer.hasRemaining()) {
                    buffer.put((byte) 0);
                }
            }
        }
    }

    private static boolean isZero(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
