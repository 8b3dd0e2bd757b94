package org.clonefarm.platform.io;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The few Linux file calls Java 17 has no API for, on raw file descriptors: {@code lseek} with
 * {@code SEEK_DATA} and {@code SEEK_HOLE} (where a file has data, so a copy skips its holes), {@code ioctl} with
 * {@code FICLONERANGE} ({@link #cloneRange}: extents shared, for the copy engine's reflink path and the
 * simulated FLASHCOPY), {@code copy_file_range} ({@link #copyFileRange}: an in-kernel copy between
 * two files at given offsets) and {@code fallocate} ({@link #fallocate}: space for a range before a direct
 * write), with the {@code open}, {@code fsync} and {@code close} they need. The one binding of the C library in clonefarm, made once per JVM by JNA
 * direct mapping (class initialisation, 0.1 to 0.3 s; no reflection per call).
 *
 * <p>The constants are Linux's, the same on every architecture we run on (x86-64, s390x). A call that
 * fails throws {@link ErrnoException} with the errno. Where JNA cannot bind the library (no native for
 * the platform), {@link #available()} is false, {@link #unavailableReason()} says why and every call
 * throws {@link ErrnoException} with errno 0; callers fall back (read every byte, copy instead of
 * sharing). Thread-safe: no state beyond the binding.
 */
public final class LinuxFileCalls {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_CLOEXEC = 02000000;
    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;
    public static final int EPERM = 1;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EXDEV = 18;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;
    public static final int ENOSPC = 28;
    public static final int ENOSYS = 38;
    public static final int EOPNOTSUPP = 95;
    /** {@code _IOW(0x94, 13, struct file_clone_range)}: the {@code FICLONERANGE} ioctl request number. */
    public static final long FICLONERANGE = 0x4020940DL;

    private LinuxFileCalls() {
    }

    /** A call failed; {@link #errno()} says why (0: the C library cannot be called here at all). */
    public static final class ErrnoException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        ErrnoException(String message, int errno, Throwable cause) {
            super(message, cause);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    /** Whether the C library could be bound: the calls work (and may still fail with an errno). */
    public static boolean available() {
        return LibC.FAILURE == null;
    }

    /** Why the C library cannot be called here, or empty when it can. */
    public static Optional<String> unavailableReason() {
        return Optional.ofNullable(LibC.FAILURE).map(Throwable::toString);
    }

    /** {@code open(path, flags)}: a new descriptor, which the caller must {@link #close}. */
    public static int open(Path path, int flags) throws ErrnoException {
        requireAvailable();
        try {
            return LibC.open(path.toAbsolutePath().toString(), flags);
        } catch (LastErrorException e) {
            throw failed("cannot open " + path, e);
        }
    }

    /** {@code lseek(fd, offset, whence)}: the new offset. */
    public static long lseek(int fd, long offset, int whence) throws ErrnoException {
        requireAvailable();
        try {
            return LibC.lseek(fd, offset, whence);
        } catch (LastErrorException e) {
            throw failed("lseek failed", e);
        }
    }

    /**
     * {@code ioctl(fd, request, &argument)} where the argument is a struct of 64-bit fields, such as
     * {@code struct file_clone_range} ({@code src_fd, src_offset, src_length, dest_offset}).
     */
    public static void ioctl(int fd, long request, long... structFields) throws ErrnoException {
        requireAvailable();
        Memory argument = new Memory(8L * Math.max(1, structFields.length));
        for (int i = 0; i < structFields.length; i++) {
            argument.setLong(8L * i, structFields[i]);
        }
        try {
            LibC.ioctl(fd, new NativeLong(request), argument);
        } catch (LastErrorException e) {
            throw failed("ioctl failed", e);
        }
    }

    /**
     * {@code ioctl(dstFd, FICLONERANGE, {srcFd, srcOffset, length, dstOffset})}: the target range then
     * shares the source range's extents (reflink; XFS with {@code reflink=1}, btrfs), instantly and
     * without writing data; later writes to either side are copied on write. The kernel wants the
     * offsets (and the length, unless the range ends at the source's end of file) aligned to the file
     * system's block size and both files on one file system: otherwise {@code EINVAL} or {@code EXDEV};
     * a file system that cannot share extents gives {@code EOPNOTSUPP} (ext4) or {@code ENOTTY}. Not
     * durable until the target is forced.
     */
    public static void cloneRange(int srcFd, long srcOffset, long length, int dstFd, long dstOffset)
            throws ErrnoException {
        ioctl(dstFd, FICLONERANGE, srcFd, srcOffset, length, dstOffset);
    }

    /**
     * {@code copy_file_range(srcFd, &srcOffset, dstFd, &dstOffset, length, 0)}: copies up to
     * {@code length} bytes in the kernel, at the given offsets (the descriptors' own offsets neither used
     * nor moved, so concurrent calls on one descriptor are safe). Where the file system shares extents
     * (XFS with reflink, btrfs) and the range is aligned, the kernel shares them instead of copying; on
     * ext4 it copies through the page cache (the target's pages are then dirty until forced). Returns
     * the bytes copied, which may be fewer than asked, 0 at the source's end of file. Regular files only
     * ({@code EINVAL} otherwise); {@code EXDEV} across file systems on old kernels.
     */
    public static long copyFileRange(int srcFd, long srcOffset, int dstFd, long dstOffset, long length)
            throws ErrnoException {
        requireAvailable();
        Memory offsets = new Memory(16);
        offsets.setLong(0, srcOffset);
        offsets.setLong(8, dstOffset);
        try {
            return LibC.copy_file_range(srcFd, offsets, dstFd, offsets.share(8), new NativeLong(length), 0).longValue();
        } catch (LastErrorException e) {
            throw failed("copy_file_range failed", e);
        }
    }

    /**
     * {@code fallocate(fd, mode, offset, length)}: with mode 0, allocates the range's blocks (as unwritten
     * extents that read as zeros; allocated ones stay as they are) and extends the file if the range ends
     * past it. {@code EOPNOTSUPP} where the file system cannot, {@code ENOSPC} when it is full.
     */
    public static void fallocate(int fd, int mode, long offset, long length) throws ErrnoException {
        requireAvailable();
        try {
            LibC.fallocate(fd, mode, offset, length);
        } catch (LastErrorException e) {
            throw failed("fallocate failed", e);
        }
    }

    /** {@code fsync(fd)}: the file's data and metadata are durable. */
    public static void fsync(int fd) throws ErrnoException {
        requireAvailable();
        try {
            LibC.fsync(fd);
        } catch (LastErrorException e) {
            throw failed("fsync failed", e);
        }
    }

    /** {@code close(fd)}. */
    public static void close(int fd) throws ErrnoException {
        requireAvailable();
        try {
            LibC.close(fd);
        } catch (LastErrorException e) {
            throw failed("close failed", e);
        }
    }

    /** {@code EOPNOTSUPP (Operation not supported)}: the errno's name, where known, and the C library's text. */
    public static String describe(int errno) {
        String name = switch (errno) {
            case 1 -> "EPERM";
            case 2 -> "ENOENT";
            case 5 -> "EIO";
            case 6 -> "ENXIO";
            case 9 -> "EBADF";
            case 13 -> "EACCES";
            case 18 -> "EXDEV";
            case 21 -> "EISDIR";
            case 22 -> "EINVAL";
            case 25 -> "ENOTTY";
            case 26 -> "ETXTBSY";
            case 28 -> "ENOSPC";
            case 38 -> "ENOSYS";
            case 95 -> "EOPNOTSUPP";
            default -> "errno " + errno;
        };
        String text = null;
        if (available()) {
            try {
                text = LibC.strerror(errno);
            } catch (RuntimeException | LinkageError e) {
                text = null;
            }
        }
        return text == null ? name : name + " (" + text + ")";
    }

    private static ErrnoException failed(String what, LastErrorException e) {
        return new ErrnoException(what + ": " + describe(e.getErrorCode()), e.getErrorCode(), e);
    }

    private static void requireAvailable() throws ErrnoException {
        if (LibC.FAILURE != null) {
            throw new ErrnoException("the C library cannot be called through JNA here: " + LibC.FAILURE, 0, LibC.FAILURE);
        }
    }

    /** The libc calls, bound once by JNA direct mapping. */
    private static final class LibC {
        /** Why binding failed, or null when it worked. */
        static final Throwable FAILURE = bind();

        private static Throwable bind() {
            try {
                Native.register(LibC.class, NativeLibrary.getInstance("c"));
                return null;
            } catch (LinkageError | RuntimeException e) {
                return e;
            }
        }

        static native int open(String path, int flags) throws LastErrorException;

        static native long lseek(int fd, long offset, int whence) throws LastErrorException;

        static native int ioctl(int fd, NativeLong request, Pointer argument) throws LastErrorException;

        static native int fsync(int fd) throws LastErrorException;

        static native int fallocate(int fd, int mode, long offset, long length) throws LastErrorException;

        static native NativeLong copy_file_range(int fdIn, Pointer offIn, int fdOut, Pointer offOut, NativeLong length,
                int flags) throws LastErrorException;

        static native int close(int fd) throws LastErrorException;

        static native String strerror(int errno);
    }
}
