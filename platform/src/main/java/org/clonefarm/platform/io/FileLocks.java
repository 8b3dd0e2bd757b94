package org.clonefarm.platform.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Inter-process file locks taken by polling, never by a blocking wait.
 *
 * <p>Why: Java's blocking {@link FileChannel#lock()} is a POSIX record lock owned by the process, and the
 * kernel refuses a blocking wait it takes for a deadlock ({@code EDEADLK}, "Resource deadlock avoided").
 * With several threads per process and two lock files (the simulated CP's and the channel subsystem's),
 * the kernel sees process A wait for B and B wait for A although different threads are involved and each
 * would have finished: a false deadlock that failed copies. A non-blocking {@link FileChannel#tryLock()}
 * is never refused that way; we retry it with a short random back-off.
 */
public final class FileLocks {
    private FileLocks() {
    }

    /**
     * The exclusive lock of {@code channel}'s file, waiting at most {@code timeout}.
     *
     * @throws IOException when the lock cannot be had within {@code timeout} (the message says how long), or
     *     the file cannot be locked at all
     */
    public static FileLock acquire(FileChannel channel, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseMicros = 200;
        while (true) {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return lock;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("another process held the lock for more than " + timeout.toSeconds() + " s");
            }
            try {
                TimeUnit.MICROSECONDS.sleep(ThreadLocalRandom.current().nextLong(pauseMicros / 2, pauseMicros + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for a file lock", e);
            }
            pauseMicros = Math.min(pauseMicros * 2, 20_000);
        }
    }
}
