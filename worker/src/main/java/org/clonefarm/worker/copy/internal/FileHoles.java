package org.clonefarm.worker.copy.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a regular file has data and where it has holes, asked of the file system with
 * {@code lseek(SEEK_DATA)} (as {@code cp --sparse}, {@code tar} and {@code qemu-img} do). For a
 * source, a copy neither reads nor hashes the bytes of a hole: they read as zeros by definition. For a
 * target, a chunk whose extent is a hole reads as zeros, so only the source chunk's non-zero runs are
 * written there and the target stays sparse. Java 17 has no
 * {@code SEEK_DATA}, so the call goes through JNA on a descriptor of its own, opened read-only.
 *
 * <p>A hole is a hint the file system gives at the moment of the call; the source of a copy must not
 * change during the copy anyway (see {@code SOURCE_CHANGED}). Where JNA cannot bind the call (no native
 * for the platform), {@link #open} returns {@code null}; a file system without {@code SEEK_DATA}
 * support reports the whole file as data (Linux's generic answer) or refuses the question
 * ({@code EINVAL}, {@code EOPNOTSUPP}), which counts as data too. Either way the copy reads every byte,
 * as before. Block devices are never probed: they have no holes.
 *
 * <p>Thread-safe: {@code lseek} with {@code SEEK_DATA} moves the descriptor's offset, which nothing
 * reads; concurrent calls each get their own answer.
 */
final class FileHoles implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(FileHoles.class);

    /** Linux values, the same on every architecture we run on (x86-64, s390x). */
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 02000000;
    private static final int SEEK_DATA = 3;
    private static final int ENXIO = 6;
    private static final int EINVAL = 22;
    private static final int EOPNOTSUPP = 95;

    private final Path path;
    private final int fd;
    private boolean closed;

    private FileHoles(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /** Binds the libc calls now (class initialisation, 0.1 to 0.3 s once per JVM); whether they are available. */
    static boolean bind() {
        return LibC.AVAILABLE;
    }

    /**
     * Opens a probe (read-only) on a regular file, or returns {@code null} (and logs why, once) when holes cannot be
     * found here; the caller then reads everything.
     */
    static FileHoles open(Path path) {
        if (!LibC.AVAILABLE) {
            return null;
        }
        try {
            return new FileHoles(path, LibC.open(path.toAbsolutePath().toString(), O_RDONLY | O_CLOEXEC));
        } catch (LastErrorException e) {
            LOG.info("{}: cannot open it to find holes (errno {}); reading every byte", path, e.getErrorCode());
            return null;
        }
    }

    /**
     * The offset of the first data byte at or after {@code from}, or {@link Long#MAX_VALUE} when only a
     * hole follows up to the end of the file; {@code from} itself when the file system cannot tell.
     *
     * @throws IOException when the call fails otherwise (an I/O error of the file system)
     */
    long nextData(long from) throws IOException {
        try {
            return LibC.lseek(fd, from, SEEK_DATA);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENXIO) {
                return Long.MAX_VALUE; // from is in the hole at the end of the file (or past the end)
            }
            if (e.getErrorCode() == EINVAL || e.getErrorCode() == EOPNOTSUPP) {
                return from; // no answer from this file system: treat the bytes as data and read them
            }
            throw new IOException("lseek(SEEK_DATA) on " + path + " at " + from + " failed with errno "
                    + e.getErrorCode(), e);
        }
    }

    /** Whether {@code [from, from + length)} lies entirely in a hole (reads as zeros without being read). */
    boolean isHole(long from, int length) throws IOException {
        return nextData(from) >= from + length;
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            LibC.close(fd);
        } catch (LastErrorException e) {
            throw new IOException("close of the hole probe of " + path + " failed with errno " + e.getErrorCode(), e);
        }
    }

    /** The three libc calls, bound once by JNA direct mapping (no per-call reflection). */
    private static final class LibC {
        static final boolean AVAILABLE = bind();

        private static boolean bind() {
            try {
                Native.register(LibC.class, NativeLibrary.getInstance("c"));
                return true;
            } catch (LinkageError | RuntimeException e) {
                LOG.info("lseek(SEEK_DATA) is not available through JNA here ({}); copies read holes too", e.toString());
                return false;
            }
        }

        static native int open(String path, int flags) throws LastErrorException;

        static native long lseek(int fd, long offset, int whence) throws LastErrorException;

        static native int close(int fd) throws LastErrorException;
    }
}
