package org.clonefarm.coordinator.simulation;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The lock every change to a local simulation's directory and volumes takes, as DirMaint serialises
 * its changes: an exclusive {@link FileLock} on {@code <data>/directory/.lock}, shared by every
 * process on the data directory, with the holder (pid, what, since) written next to it so a waiting
 * writer can say who holds it. A second writer waits a bounded time, then fails naming the holder.
 *
 * <p>Thread-safe: threads of one process queue on an in-process lock first (a JVM cannot hold two
 * file locks on one file).
 */
public final class DirectoryLock {
    private static final ReentrantLock IN_PROCESS = new ReentrantLock();

    private DirectoryLock() {
    }

    /** A held lock; {@link #close()} releases it. */
    public static final class Held implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;
        private final Path holderFile;

        private Held(FileChannel channel, FileLock lock, Path holderFile) {
            this.channel = channel;
            this.lock = lock;
            this.holderFile = holderFile;
        }

        @Override
        public void close() throws IOException {
            try {
                Files.deleteIfExists(holderFile);
                lock.release();
                channel.close();
            } finally {
                IN_PROCESS.unlock();
            }
        }
    }

    /** Thrown when the lock could not be had in time; the message names the holder. */
    public static final class LockTimeoutException extends IOException {
        private static final long serialVersionUID = 1L;

        LockTimeoutException(String message) {
            super(message);
        }
    }

    /**
     * Takes the lock of the data directory {@code root}.
     *
     * @param what what the holder does, for the message a waiting writer gets (e.g. "submit web-01")
     * @param wait how long to wait for another holder
     */
    public static Held acquire(Path root, String what, Duration wait) throws IOException {
        Path directory = root.resolve("directory");
        Files.createDirectories(directory);
        Path lockFile = directory.resolve(".lock");
        Path holderFile = directory.resolve(".lock.holder");
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            if (!IN_PROCESS.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new LockTimeoutException(timeoutMessage(root, wait, holderFile));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the directory lock of " + root, e);
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            while (true) {
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null;
                }
                if (lock != null) {
                    Files.writeString(holderFile, "pid " + ProcessHandle.current().pid() + " (" + what + ") since "
                            + Instant.now() + " [" + ManagementFactory.getRuntimeMXBean().getName() + "]",
                            StandardCharsets.UTF_8);
                    return new Held(channel, lock, holderFile);
                }
                if (System.nanoTime() > deadline) {
                    throw new LockTimeoutException(timeoutMessage(root, wait, holderFile));
                }
                Thread.sleep(50);
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel, e);
            IN_PROCESS.unlock();
            throw e;
        } catch (InterruptedException e) {
            closeQuietly(channel, e);
            IN_PROCESS.unlock();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the directory lock of " + root, e);
        }
    }

    private static void closeQuietly(FileChannel channel, Exception cause) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
        }
    }

    private static String timeoutMessage(Path root, Duration wait, Path holderFile) {
        String holder;
        try {
            holder = Files.exists(holderFile) ? Files.readString(holderFile, StandardCharsets.UTF_8).trim() : "an unknown process";
        } catch (IOException e) {
            holder = "an unknown process (" + e.getMessage() + ")";
        }
        return "the directory of " + root + " is locked by " + holder + "; waited " + wait.toSeconds()
                + " s. Wait for it to finish, or stop it if it hangs.";
    }
}
