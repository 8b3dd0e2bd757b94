package org.clonefarm.worker.disk.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A lock shared by every process on the host that uses the same lock file (an advisory {@code flock}-style
 * file lock), and by every thread of this JVM (a file lock is held per process, so threads first take an
 * in-JVM lock of the same path). Released when the holder ends, also when it is killed: a crashed worker
 * never leaves the host locked.
 *
 * <p>Thread-safe. Not reentrant across the file lock: do not nest {@link #call} of the same file.
 */
public final class HostLock {
    private static final Map<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();
    private static final long RETRY_MILLIS = 20;

    private final Path file;
    private final Duration timeout;

    /** What runs under the lock. */
    @FunctionalInterface
    public interface Locked<T, E extends Exception> {
        T run() throws E;
    }

    /** The lock is not free within the timeout, or its file cannot be opened. */
    public static final class LockException extends Exception {
        private static final long serialVersionUID = 1L;

        LockException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public HostLock(Path file, Duration timeout) {
        this.file = file.toAbsolutePath().normalize();
        this.timeout = timeout;
    }

    public Path file() {
        return file;
    }

    /** Runs {@code body} holding the lock; waits at most the timeout for it. */
    public <T, E extends Exception> T call(Locked<T, E> body) throws E, LockException {
        ReentrantLock local = IN_JVM.computeIfAbsent(file, f -> new ReentrantLock());
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!local.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new LockException("the host lock " + file + " is held by another thread for more than " + timeout,
                        null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LockException("interrupted while waiting for the host lock " + file, e);
        }
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock;
                while ((lock = channel.tryLock()) == null) {
                    if (System.nanoTime() > deadline) {
                        throw new LockException("the host lock " + file + " is held by another process for more than "
                                + timeout, null);
                    }
                    TimeUnit.MILLISECONDS.sleep(RETRY_MILLIS);
                }
                try (FileLock held = lock) {
                    return body.run();
                }
            }
        } catch (IOException e) {
            throw new LockException("cannot take the host lock " + file + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LockException("interrupted while waiting for the host lock " + file, e);
        } finally {
            local.unlock();
        }
    }
}
