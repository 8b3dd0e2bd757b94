package org.clonefarm.worker.copy.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.worker.copy.CopyCancellation;
import org.clonefarm.worker.copy.CopyException;
import org.clonefarm.worker.copy.CopyListener;
import org.clonefarm.worker.copy.CopyOptions;
import org.clonefarm.worker.copy.CopyPlan;
import org.clonefarm.worker.copy.DiskDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-off cost of a JVM's first copy, started early on a background thread so that it overlaps
 * with the caller's own start-up (for {@code clonefarm copy}: opening RocksDB) instead of delaying the
 * first chunks. Measured on the reference machine: binding {@code lseek} through JNA takes 0.1 to 0.3 s,
 * the JVM's CPU clocks for {@link PhaseMeter} 0.1 to 0.2 s (on a thread of their own: no copy waits for
 * them), and the first 4 MiB chunk hashes with SHA-256 in 0.1 to 0.2 s instead of 3 ms, because SHA-256 runs
 * interpreted until the JIT has compiled it (to the SHA-NI intrinsic); four chunks in flight pay that
 * four times. The CRC algorithms need no warming: the interpreter already calls the CPU's CRC
 * instructions for them, so their warm-up only binds JNA (and spends no CPU on SHA-256 that no copy uses).
 * The first warm-up also makes one tiny copy (a 2 MiB sparse file in a temporary directory, no checkpoints,
 * deleted after; a directory a killed JVM left is deleted by the next warm-up a minute later), so that loading
 * and linking the classes of the copy path (plan, channels, holes, allocation, chunk tasks, shared scan) is done
 * before the first real copy: that took a first copy 50 to 60 ms before its first chunk here, 10 % of a 4 GiB
 * sparse copy (bench/copy), against 20 ms for a later one.
 * Nothing here changes what a copy does, only when the JVM does the work. Thread-safe; idempotent per
 * algorithm.
 */
public final class FirstCopyWarmup {
    private static final Logger LOG = LoggerFactory.getLogger(FirstCopyWarmup.class);
    private static final Set<DiskDigest.Algorithm> STARTED = ConcurrentHashMap.newKeySet();
    /** Enough SHA-256 blocks to pass the JIT's compile thresholds, little enough to cost ~20 ms compiled. */
    private static final int HASH_BYTES = 256 * 1024;
    private static final int HASH_ROUNDS = 16;
    /** The warm-up copy's source: holes around one run of data that is long enough to be allocated ahead. */
    private static final int WARMUP_SOURCE_BYTES = 2 * 1024 * 1024;
    private static final int WARMUP_DATA_BYTES = 512 * 1024;
    private static final String WARMUP_DIR_PREFIX = "clonefarm-copy-warmup";
    private static final long STALE_AFTER_MILLIS = 60_000;

    private FirstCopyWarmup() {
    }

    /** Starts the warm-up for copies with chunk digests of {@code algorithm}, once per JVM and algorithm; returns at once. */
    public static void start(DiskDigest.Algorithm algorithm) {
        boolean first = STARTED.isEmpty();
        if (!STARTED.add(algorithm)) {
            return;
        }
        boolean hash = algorithm == DiskDigest.Algorithm.SHA256;
        if (!first && !hash) {
            return; // JNA is bound (or being bound) already
        }
        if (first) {
            // a thread of its own: a copy waits for JNA (it needs lseek) but never for the clocks
            background("copy-engine-clocks", PhaseMeter::bindClocks);
        }
        background("copy-engine-warmup", () -> run(first, hash ? algorithm : null));
    }

    private static void background(String name, Runnable work) {
        Thread thread = new Thread(() -> {
            try {
                work.run();
            } catch (RuntimeException | LinkageError e) {
                // only a head start: a real copy meets the same problem and reports it where it matters
                LOG.debug("copy engine warm-up ({}) stopped early: {}", name, e.toString());
            }
        }, name);
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }

    private static void run(boolean bind, DiskDigest.Algorithm hash) {
        if (bind) {
            FileHoles.bind();
            copyOnce();
        }
        if (hash != null) {
            ByteBuffer bytes = ExtentChannels.alignedBuffer(HASH_BYTES);
            for (int i = 0; i < HASH_ROUNDS; i++) {
                hash.chunkDigest(bytes);
            }
        }
    }

    /** One small copy through the whole copy path (see the class comment); failures only end the warm-up. */
    private static void copyOnce() {
        Path dir = null;
        ExecutorService threads = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "copy-engine-warmup-copy");
            thread.setDaemon(true);
            return thread;
        });
        try {
            removeStaleDirectories();
            dir = Files.createTempDirectory(WARMUP_DIR_PREFIX);
            Path source = dir.resolve("source.img");
            try (RandomAccessFile file = new RandomAccessFile(source.toFile(), "rw")) {
                file.setLength(WARMUP_SOURCE_BYTES);
                byte[] data = new byte[WARMUP_DATA_BYTES];
                java.util.Arrays.fill(data, (byte) 0x5a);
                java.util.Arrays.fill(data, 8192, 12288, (byte) 0); // a zero run inside the data
                file.seek(WARMUP_DATA_BYTES);
                file.write(data);
            }
            CopyPlan plan = new CopyPlan(FileRegion.whole(source), FileRegion.whole(dir.resolve("target.img")),
                    CopyOptions.defaults().withChunkSize(CopyOptions.MIN_CHUNK_SIZE * 4), null);
            AlignedBufferPool buffers = new AlignedBufferPool(0);
            new CopyRun(plan, null, threads, CopyListener.NONE, CopyCancellation.none(), buffers,
                    new SharedScans(buffers), null).run();
        } catch (IOException | CopyException e) {
            LOG.debug("copy engine warm-up copy failed (the first copy loads its classes itself): {}", e.toString());
        } finally {
            threads.shutdown();
            if (dir != null) {
                delete(dir);
            }
        }
    }

    /**
     * Deletes the directories of warm-up copies that a killed JVM left behind (a warm-up copy takes well under a
     * second: one older than {@link #STALE_AFTER_MILLIS} belongs to no running warm-up).
     */
    private static void removeStaleDirectories() throws IOException {
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        long before = System.currentTimeMillis() - STALE_AFTER_MILLIS;
        try (var entries = Files.newDirectoryStream(temp, WARMUP_DIR_PREFIX + "*")) {
            for (Path stale : entries) {
                if (Files.isDirectory(stale) && Files.getLastModifiedTime(stale).toMillis() < before) {
                    delete(stale);
                }
            }
        }
    }

    private static void delete(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.debug("cannot delete the warm-up copy's directory {}: {}", dir, e.toString());
        }
    }
}
