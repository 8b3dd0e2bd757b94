package org.clonefarm.worker.copy.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import org.clonefarm.platform.io.LinuxFileCalls;
import org.clonefarm.platform.io.LinuxFileCalls.ErrnoException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a regular file has data and where it has holes, asked of the file system with
 * {@code lseek(SEEK_DATA)} and {@code lseek(SEEK_HOLE)} (as {@code cp --sparse}, {@code tar} and {@code qemu-img} do). For a
 * source, a copy neither reads nor hashes the bytes of a hole: they read as zeros by definition. For a
 * target, a chunk whose extent is a hole reads as zeros, so only the source chunk's non-zero runs are
 * written there and the target stays sparse. Java 17 has no
 * {@code SEEK_DATA}, so the call goes through the platform's {@link LinuxFileCalls} (JNA) on a
 * descriptor of its own, opened read-only.
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
    /** Whether the calls can be made here; logged once, when it is first asked. */
    private static final boolean AVAILABLE = checkAvailable();

    private final Path path;
    private final int fd;
    private boolean closed;

    private FileHoles(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    private static boolean checkAvailable() {
        LinuxFileCalls.unavailableReason().ifPresent(why ->
                LOG.info("lseek(SEEK_DATA) is not available through JNA here ({}); copies read holes too", why));
        return LinuxFileCalls.available();
    }

    /** Binds the libc calls now (class initialisation, 0.1 to 0.3 s once per JVM); whether they are available. */
    static boolean bind() {
        return AVAILABLE;
    }

    /**
     * Opens a probe (read-only) on a regular file, or returns {@code null} (and logs why, once) when holes cannot be
     * found here; the caller then reads everything.
     */
    static FileHoles open(Path path) {
        if (!AVAILABLE) {
            return null;
        }
        try {
            return new FileHoles(path, LinuxFileCalls.open(path, LinuxFileCalls.O_RDONLY | LinuxFileCalls.O_CLOEXEC));
        } catch (ErrnoException e) {
            LOG.info("{}: cannot open it to find holes (errno {}); reading every byte", path, e.errno());
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
            return LinuxFileCalls.lseek(fd, from, LinuxFileCalls.SEEK_DATA);
        } catch (ErrnoException e) {
            if (e.errno() == LinuxFileCalls.ENXIO) {
                return Long.MAX_VALUE; // from is in the hole at the end of the file (or past the end)
            }
            if (e.errno() == LinuxFileCalls.EINVAL || e.errno() == LinuxFileCalls.EOPNOTSUPP) {
                return from; // no answer from this file system: treat the bytes as data and read them
            }
            throw new IOException("lseek(SEEK_DATA) on " + path + " at " + from + " failed with errno "
                    + e.errno(), e);
        }
    }

    /**
     * The offset of the first hole at or after {@code from} (the end of the file counts as one), where {@code from}
     * is in data; {@link Long#MAX_VALUE} when the file system cannot tell (all of it is data then).
     *
     * @throws IOException when the call fails otherwise (an I/O error of the file system)
     */
    long nextHole(long from) throws IOException {
        try {
            return LinuxFileCalls.lseek(fd, from, LinuxFileCalls.SEEK_HOLE);
        } catch (ErrnoException e) {
            if (e.errno() == LinuxFileCalls.ENXIO || e.errno() == LinuxFileCalls.EINVAL
                    || e.errno() == LinuxFileCalls.EOPNOTSUPP) {
                return Long.MAX_VALUE; // past the end, or no answer from this file system: data up to the end
            }
            throw new IOException("lseek(SEEK_HOLE) on " + path + " at " + from + " failed with errno "
                    + e.errno(), e);
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
            LinuxFileCalls.close(fd);
        } catch (ErrnoException e) {
            throw new IOException("close of the hole probe of " + path + " failed with errno " + e.errno(), e);
        }
    }
}
