package org.clonefarm.worker.copy.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.clonefarm.platform.io.LinuxFileCalls;
import org.clonefarm.platform.io.LinuxFileCalls.ErrnoException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a chunk from a source file to a target file without passing its bytes through the engine's
 * buffers, on descriptors of its own (Java 17 has neither call):
 *
 * <ul>
 *   <li>{@link #share}: {@code FICLONERANGE} (reflink). The target range then shares the source range's
 *       extents: no data is written, no space is used until either side is written (copy on write). XFS
 *       with {@code reflink=1} and btrfs can; ext4 cannot ({@code EOPNOTSUPP}). Offsets must be multiples of
 *       the file system's block size, and the length too unless the range ends at the source's end.</li>
 *   <li>{@link #copy}: {@code copy_file_range}, for {@code --io TRANSFER_TO}: the kernel copies through the
 *       page cache (or shares extents where it can).</li>
 * </ul>
 *
 * The first answer that says the file system cannot ({@code EOPNOTSUPP}, {@code EXDEV}, {@code ENOTTY},
 * {@code EINVAL} on an aligned range, ...) turns the call off for the rest of the run, logged once; the
 * caller then writes the chunk itself. Sharing is metadata, durable once the target is forced with its
 * metadata: {@link #sharedAny()} tells the run to force with {@code fsync} rather than {@code fdatasync}.
 *
 * <p>Thread-safe: both calls take offsets, never the descriptors' own positions; the switches are volatile.
 */
final class InKernelCopy implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(InKernelCopy.class);

    private final Path source;
    private final Path target;
    private final int sourceFd;
    private final int targetFd;
    private final long blockSize;
    private volatile boolean shareOn;
    private volatile boolean copyOn = true;
    private volatile boolean sharedAny;
    private boolean closed;

    private InKernelCopy(Path source, Path target, int sourceFd, int targetFd, long blockSize, boolean share) {
        this.source = source;
        this.target = target;
        this.sourceFd = sourceFd;
        this.targetFd = targetFd;
        this.blockSize = blockSize;
        this.shareOn = share;
    }

    /**
     * Opens the descriptors for a copy between two regular files, or returns {@code null} when neither call
     * can help (the C library cannot be called, or a file cannot be opened; logged). {@code share} asks for
     * reflinks; it is off from the start when the files are on different file systems.
     */
    static InKernelCopy open(Path source, Path target, boolean share) {
        if (!LinuxFileCalls.available()) {
            return null;
        }
        int sourceFd;
        try {
            sourceFd = LinuxFileCalls.open(source, LinuxFileCalls.O_RDONLY | LinuxFileCalls.O_CLOEXEC);
        } catch (ErrnoException e) {
            LOG.info("{}: cannot open it for in-kernel copies ({}); the engine writes every chunk itself", source,
                    e.getMessage());
            return null;
        }
        try {
            int targetFd = LinuxFileCalls.open(target, LinuxFileCalls.O_WRONLY | LinuxFileCalls.O_CLOEXEC);
            long blockSize = 4096;
            boolean sameFileSystem = false;
            try {
                sameFileSystem = Files.getAttribute(source, "unix:dev").equals(Files.getAttribute(target, "unix:dev"));
                blockSize = Math.max(512, Files.getFileStore(target).getBlockSize());
            } catch (IOException | UnsupportedOperationException e) {
                LOG.debug("cannot tell whether {} and {} share a file system: no reflinks ({})", source, target, e.toString());
            }
            return new InKernelCopy(source, target, sourceFd, targetFd, blockSize, share && sameFileSystem);
        } catch (ErrnoException e) {
            closeQuietly(sourceFd);
            LOG.info("{}: cannot open it for in-kernel copies ({}); the engine writes every chunk itself", target,
                    e.getMessage());
            return null;
        }
    }

    /** Whether {@link #share} may still succeed in this run. */
    boolean sharing() {
        return shareOn;
    }

    /** Whether any range was shared: the target must then be forced with its metadata. */
    boolean sharedAny() {
        return sharedAny;
    }

    /**
     * Makes the target's {@code [targetAt, targetAt + length)} share the source's {@code [sourceAt, ...)}.
     *
     * @param sourceEnd the source file's size (an unaligned length is allowed only for a range ending there)
     * @return whether it was shared; when not, the caller writes the bytes (and after a "cannot", sharing is
     *     off for the rest of the run)
     * @throws IOException when the file system could share but failed (no space for the metadata, I/O error)
     */
    boolean share(long sourceAt, int length, long targetAt, long sourceEnd) throws IOException {
        if (!shareOn) {
            return false;
        }
        boolean alignedEnd = length % blockSize == 0 || sourceAt + length == sourceEnd;
        if (sourceAt % blockSize != 0 || targetAt % blockSize != 0 || !alignedEnd) {
            return false; // this range cannot be shared; others may
        }
        try {
            LinuxFileCalls.cloneRange(sourceFd, sourceAt, length, targetFd, targetAt);
            sharedAny = true;
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == LinuxFileCalls.ENOSPC || e.errno() == LinuxFileCalls.EIO) {
                throw new IOException("FICLONERANGE of " + source + " at " + sourceAt + " onto " + target + " at "
                        + targetAt + ": " + e.getMessage(), e);
            }
            shareOn = false;
            if (e.errno() == LinuxFileCalls.EOPNOTSUPP || e.errno() == LinuxFileCalls.EXDEV
                    || e.errno() == LinuxFileCalls.ENOTTY) {
                // the usual answer of a file system that does not share extents (ext4): nothing to tell a user
                LOG.debug("{} -> {}: the file system does not share extents here ({}); writing the bytes", source,
                        target, LinuxFileCalls.describe(e.errno()));
            } else {
                LOG.info("{} -> {}: FICLONERANGE failed ({}); writing the bytes instead", source, target,
                        LinuxFileCalls.describe(e.errno()));
            }
            return false;
        }
    }

    /**
     * Copies {@code length} bytes in the kernel ({@code copy_file_range}).
     *
     * @return whether it did; false when the call cannot be used here (then off for the rest of the run), with
     *     nothing copied, so the caller copies another way
     * @throws IOException when the copy failed part way (the source ended, no space, an I/O error)
     */
    boolean copy(long sourceAt, int length, long targetAt) throws IOException {
        if (!copyOn) {
            return false;
        }
        long done = 0;
        while (done < length) {
            long moved;
            try {
                moved = LinuxFileCalls.copyFileRange(sourceFd, sourceAt + done, targetFd, targetAt + done, length - done);
            } catch (ErrnoException e) {
                boolean cannot = e.errno() == LinuxFileCalls.EINVAL || e.errno() == LinuxFileCalls.EXDEV
                        || e.errno() == LinuxFileCalls.ENOSYS || e.errno() == LinuxFileCalls.EOPNOTSUPP
                        || e.errno() == LinuxFileCalls.EBADF;
                if (cannot && done == 0) {
                    copyOn = false;
                    LOG.info("{} -> {}: copy_file_range cannot be used here ({}); using transferTo", source, target,
                            LinuxFileCalls.describe(e.errno()));
                    return false;
                }
                throw new IOException("copy_file_range of " + source + " at " + (sourceAt + done) + " onto " + target
                        + ": " + e.getMessage(), e);
            }
            if (moved <= 0) {
                throw new java.io.EOFException("source " + source + " ended at " + (sourceAt + done)
                        + " during copy_file_range");
            }
            done += moved;
        }
        return true;
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            LinuxFileCalls.close(sourceFd);
        } catch (ErrnoException e) {
            closeQuietly(targetFd);
            throw new IOException("close of " + source + " failed: " + e.getMessage(), e);
        }
        try {
            LinuxFileCalls.close(targetFd);
        } catch (ErrnoException e) {
            throw new IOException("close of " + target + " failed: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(int fd) {
        try {
            LinuxFileCalls.close(fd);
        } catch (ErrnoException e) {
            // closing after a failure: the first error is the one reported
        }
    }
}
