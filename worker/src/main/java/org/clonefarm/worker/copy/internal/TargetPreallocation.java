package org.clonefarm.worker.copy.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import org.clonefarm.platform.io.LinuxFileCalls;
import org.clonefarm.platform.io.LinuxFileCalls.ErrnoException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Allocates ranges of a target file ({@code fallocate}, mode 0) before direct writes fill them, where they are
 * holes. On ext4 a direct write that has to allocate blocks holds the file's inode lock exclusively until the
 * device has the data, so the chunks in flight of one copy are written one at a time; into blocks allocated
 * beforehand (unwritten extents) they go in parallel under a shared lock. Measured here (1 GiB, 4 MiB × 4 direct
 * writes, 5 alternations at load 6): 0.63 to 0.89 s into an allocated file, 0.77 to 1.12 s into a sparse one.
 *
 * <p>But {@code fallocate} itself waits for every direct write in flight on the file ({@code inode_dio_wait} in
 * ext4's {@code fallocate}) and holds the inode lock meanwhile: an allocation made just before each chunk's write
 * drains the device's queue at every chunk. So, where the source is a sparse file, the ranges that mirror its
 * data extents ({@code SEEK_DATA}/{@code SEEK_HOLE}) are allocated at once before the first write
 * ({@link #allocateDataOf}), while nothing is in flight, and no chunk allocates after that (the bench's sparse
 * file, 32 runs of 16 MiB in 4 GiB, written as it is copied: 0.52 to 0.96 s against 0.76 to 1.60 s with an
 * allocation per chunk, 5 alternations at load 12). The target is then exactly as sparse as the source
 * (zero blocks inside the source's data extents are allocated, as unwritten extents that read as zeros, but never
 * written). A source without holes (a dense image, or one whose file system cannot tell) is allocated run by run
 * instead ({@link #allocate}: the non-zero runs of each chunk, just before they are written), so zero blocks stay
 * holes. A crash between an allocation and its write leaves a range that reads as zeros, as the hole did. XFS
 * needs none of it (its direct writes share the lock) and costs one cheap call per range.
 *
 * <p>A file system that cannot allocate ahead ({@code EOPNOTSUPP}) turns it off for the rest of the copy.
 * Thread-safe: {@code fallocate} takes offsets; the switches are volatile.
 */
final class TargetPreallocation implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(TargetPreallocation.class);
    /** Ranges shorter than this are written without allocating first: a syscall per small run costs more. */
    static final int MIN_BYTES = 256 * 1024;
    /** At most this many data extents of a source are allocated ahead; a more fragmented one is allocated run by run. */
    static final int MAX_AHEAD_EXTENTS = 1 << 16;

    private final Path target;
    private final int fd;
    private volatile boolean on = true;
    /** Set once the source's data extents were allocated ahead: no chunk allocates after that. */
    private volatile boolean allocatedAhead;
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
        if (!on || allocatedAhead || length < MIN_BYTES) {
            return;
        }
        fallocate(at, length);
    }

    /**
     * Before the first write of a copy (no direct write in flight on the target): allocates the target ranges that
     * mirror the data extents of {@code source} in {@code [sourceFrom, sourceFrom + length)}, the source extent
     * starting at target offset {@code targetFrom}, where the source has at least one hole there; extents shorter
     * than {@link #MIN_BYTES} are left to be written into holes. After that, {@link #allocate} does nothing.
     *
     * @return whether it allocated ahead; false for a source without holes there (then chunks allocate run by run),
     *         a source more fragmented than {@link #MAX_AHEAD_EXTENTS}, or a file system that cannot allocate
     * @throws IOException when probing the source fails, or the file system fails otherwise than being full (a full
     *         one stops the allocation ahead; the writes then meet the full file system themselves)
     */
    boolean allocateDataOf(FileHoles source, long sourceFrom, long targetFrom, long length) throws IOException {
        if (!on || length <= 0) {
            return false;
        }
        long end = sourceFrom + length;
        long[] extents = new long[64];
        int count = 0;
        long at = sourceFrom;
        while (at < end) {
            long data = source.nextData(at);
            if (data >= end) {
                break;
            }
            long hole = Math.min(end, source.nextHole(data));
            if (data <= sourceFrom && hole >= end) {
                return false; // no hole in the extent: the zero blocks of a dense source stay holes of the target
            }
            if (hole <= data) {
                return false; // no answer that makes progress: leave it to the chunks
            }
            if (hole - data >= MIN_BYTES) {
                if (count / 2 == MAX_AHEAD_EXTENTS) {
                    return false;
                }
                if (count == extents.length) {
                    extents = java.util.Arrays.copyOf(extents, count * 2);
                }
                extents[count++] = data;
                extents[count++] = hole;
            }
            at = hole;
        }
        for (int i = 0; i < count && on; i += 2) {
            try {
                fallocate(targetFrom + (extents[i] - sourceFrom), extents[i + 1] - extents[i]);
            } catch (IOException e) {
                if (e.getCause() instanceof ErrnoException errno && errno.errno() == LinuxFileCalls.ENOSPC) {
                    LOG.debug("{}: full while allocating ahead ({}); the chunks allocate run by run", target,
                            e.getMessage());
                    return false;
                }
                throw e;
            }
        }
        allocatedAhead = on;
        return allocatedAhead;
    }

    private void fallocate(long at, long length) throws IOException {
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
