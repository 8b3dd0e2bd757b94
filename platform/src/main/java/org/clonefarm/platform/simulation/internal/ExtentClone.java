package org.clonefarm.platform.simulation.internal;

import java.io.IOException;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.LinuxFileCalls;
import org.clonefarm.platform.io.LinuxFileCalls.ErrnoException;

/**
 * Shares a byte range of one file with another through Linux's {@code FICLONERANGE} ioctl: on a file
 * system that shares extents (XFS with {@code reflink=1}, btrfs) the target range then reads as the
 * source range, instantly and without writing data; later writes to either side are copied on write.
 * The simulation's FLASHCOPY.
 *
 * <p>The kernel wants offsets (and the length, unless it ends at the source's end of file) aligned to
 * the file system's block size, both files on the same file system, and a file system that can share
 * extents; otherwise the ioctl fails and {@link CloneUnsupportedException} carries the errno.
 * Thread-safe (no state).
 */
public final class ExtentClone {

    private ExtentClone() {
    }

    /** The ioctl failed: this file system (or this alignment) cannot share the extent. */
    public static final class CloneUnsupportedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        CloneUnsupportedException(String message, int errno) {
            super(message);
            this.errno = errno;
        }

        /** The errno of the ioctl (95 EOPNOTSUPP, 18 EXDEV, 22 EINVAL, ...), or 0 when JNA is not usable. */
        public int errno() {
            return errno;
        }
    }

    /**
     * Makes {@code target}'s first {@code source.length()} bytes share {@code source}'s extent, then
     * forces the target file (the sharing is metadata: durable once forced).
     *
     * @throws CloneUnsupportedException when the file system cannot do it here
     * @throws IOException when a file cannot be opened or forced
     */
    public static void cloneRange(FileRegion source, FileRegion target) throws IOException {
        if (!LinuxFileCalls.available()) {
            throw new CloneUnsupportedException("the C library cannot be called through JNA here", 0);
        }
        int src = LinuxFileCalls.open(source.path(), LinuxFileCalls.O_RDONLY | LinuxFileCalls.O_CLOEXEC);
        try {
            int dst = LinuxFileCalls.open(target.path(), LinuxFileCalls.O_WRONLY | LinuxFileCalls.O_CLOEXEC);
            try {
                try {
                    LinuxFileCalls.cloneRange(src, source.offset(), source.length(), dst, target.offset());
                } catch (ErrnoException e) {
                    throw new CloneUnsupportedException("FICLONERANGE of " + source + " onto " + target + " failed: "
                            + LinuxFileCalls.describe(e.errno()), e.errno());
                }
                try {
                    LinuxFileCalls.fsync(dst);
                } catch (ErrnoException e) {
                    throw new IOException("fsync of " + target.path() + " failed: " + LinuxFileCalls.describe(e.errno()), e);
                }
            } finally {
                closeQuietly(dst);
            }
        } finally {
            closeQuietly(src);
        }
    }

    private static void closeQuietly(int fd) {
        try {
            LinuxFileCalls.close(fd);
        } catch (ErrnoException e) {
            // close after a read-only use or a forced write: nothing is lost
        }
    }
}
