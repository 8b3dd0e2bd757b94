package org.clonefarm.platform.cp.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;
import org.clonefarm.platform.io.FileRegion;

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

    /** {@code _IOW(0x94, 13, struct file_clone_range)}: the ioctl request number. */
    static final long FICLONERANGE = 0x4020940DL;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_CLOEXEC = 0x80000;

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
        if (!LibC.AVAILABLE) {
            throw new CloneUnsupportedException("the C library cannot be called through JNA here", 0);
        }
        int src = open(source, O_RDONLY);
        try {
            int dst = open(target, O_WRONLY);
            try {
                Memory range = new Memory(32);
                range.setLong(0, src);
                range.setLong(8, source.offset());
                range.setLong(16, source.length());
                range.setLong(24, target.offset());
                try {
                    LibC.ioctl(dst, new NativeLong(FICLONERANGE), range);
                } catch (LastErrorException e) {
                    throw new CloneUnsupportedException("FICLONERANGE of " + source + " onto " + target + " failed: "
                            + describe(e.getErrorCode()), e.getErrorCode());
                }
                try {
                    LibC.fsync(dst);
                } catch (LastErrorException e) {
                    throw new IOException("fsync of " + target.path() + " failed: " + describe(e.getErrorCode()), e);
                }
            } finally {
                closeQuietly(dst);
            }
        } finally {
            closeQuietly(src);
        }
    }

    private static int open(FileRegion region, int flags) throws IOException {
        try {
            return LibC.open(region.path().toString(), flags | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("cannot open " + region.path() + ": " + describe(e.getErrorCode()), e);
        }
    }

    private static void closeQuietly(int fd) {
        try {
            LibC.close(fd);
        } catch (LastErrorException e) {
            // close after a read-only use or a forced write: nothing is lost
        }
    }

    /** {@code EOPNOTSUPP (Operation not supported)}: the errno's name, where known, and the C library's text. */
    public static String describe(int errno) {
        String name = switch (errno) {
            case 1 -> "EPERM";
            case 9 -> "EBADF";
            case 18 -> "EXDEV";
            case 21 -> "EISDIR";
            case 22 -> "EINVAL";
            case 26 -> "ETXTBSY";
            case 95 -> "EOPNOTSUPP";
            default -> "errno " + errno;
        };
        String text;
        try {
            text = LibC.strerror(errno);
        } catch (RuntimeException | LinkageError e) {
            text = null;
        }
        return text == null ? name : name + " (" + text + ")";
    }

    /** The libc calls, bound once by JNA direct mapping. */
    private static final class LibC {
        static final boolean AVAILABLE = bind();

        private static boolean bind() {
            try {
                Native.register(LibC.class, NativeLibrary.getInstance("c"));
                return true;
            } catch (LinkageError | RuntimeException e) {
                return false;
            }
        }

        static native int open(String path, int flags) throws LastErrorException;

        static native int ioctl(int fd, NativeLong request, Pointer argument) throws LastErrorException;

        static native int fsync(int fd) throws LastErrorException;

        static native int close(int fd) throws LastErrorException;

        static native String strerror(int errno);
    }
}
