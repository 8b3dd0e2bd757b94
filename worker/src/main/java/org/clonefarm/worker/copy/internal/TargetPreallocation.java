package org.clonefarm.worker.copy.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import org.clonefarm.platform.io.LinuxFileCalls;
import org.clonefarm.platform.io.LinuxFileCalls.ErrnoException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Allocates a range of a target file ({@code fallocate}, mode 0) just before a direct write fills it,
 * where the range is a hole. On ext4 a direct write that has to allocate blocks holds the file's inode
 * lock exclusively until the device has the data, so the chunks in flight of one copy are written one
 * at a time; into blocks allocated beforehand (unwritten extents) they go in parallel under a shared
 * lock. Measured here (1 GiB, 4 MiB × 4 direct writes, 5 alternations at load 6): 0.63 to 0.89 s into an
 * allocated file, 0.77 to 1.12 s into a sparse one. Only ranges about to be written are allocated, so the
 * target stays as sparse as before; a crash between the allocation and the write leaves a range that
 * reads as zeros, as the hole did. XFS needs none of it (its direct writes share the lock) and costs one
 * cheap call per range.
 *
 * <p>A file system that cannot allocate ahead ({@code EOPNOTSUPP}) turns it off for the rest of the copy.
 * Thread-safe: {@code fallocate} takes offsets; the switch is volatile.
 */
final class TargetPreallocation implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(TargetPreallocation.class);
    /** Ranges shorter than this are written without allocating first: a syscall per small run costs more. */
    static final int MIN_BYTES = 256 * 1024;

    private final Path target;
    private final int fd;
    private volatile boolean on = true;
    private boolean closed;

    private TargetPreallocation(Path target, int fd) {
        this.target = target;
        this.fd = fd;
    }

    /** Opens a descriptor on the target file, or returns {@code null} where the C library cannot be called. */
    static TargetPreallocation open(Path target) {
        if (!LinuxFileCalls.available()) {
            return null;
        }
        try {
            return new TargetPreallocation(target, LinuxFileCalls.open(target,
                    LinuxFileCalls.O_WRONLY | LinuxFileCalls.O_CLOEXEC));
        } catch (ErrnoException e) {
            LOG.debug("{}: cannot open it to allocate ahead ({}); writing into holes", target, e.getMessage());
            return null;
        }
    }

    /**
     * Allocates {@code [at, at + length)} when it is worth it; does nothing once the file system said it cannot.
     *
     * @throws IOException when the file system is full ("No space left on device") or fails otherwise
     */
    void allocate(long at, long length) throws IOException {
        if (!on || length < MIN_BYTES) {
            return;
        }
        try {
            LinuxFileCalls.fallocate(fd, 0, at, length);
        } catch (ErrnoException e) {
            if (e.errno() == LinuxFileCalls.EOPNOTSUPP || e.errno() == LinuxFileCalls.ENOSYS) {
                on = false;
                LOG.debug("{}: the file system cannot allocate ahead ({}); writing into holes", target, e.getMessage());
                return;
            }
            throw new IOException("cannot allocate " + length + " bytes at " + at + " of " + target + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            LinuxFileCalls.close(fd);
        } catch (ErrnoException e) {
            throw new IOException("close of " + target + " failed: " + e.getMessage(), e);
        }
    }
}
