package org.clonefarm.worker.copy.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.clonefarm.worker.copy.DiskDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-off cost of a JVM's first copy, started early on a background thread so that it overlaps
 * with the caller's own start-up (for {@code clonefarm copy}: opening RocksDB) instead of delaying the
 * first chunks. Measured on the reference machine: binding {@code lseek} through JNA takes 0.1 to 0.3 s,
 * and the first 4 MiB chunk hashes in 0.1 to 0.2 s instead of 3 ms, because SHA-256 runs interpreted
 * until the JIT has compiled it (to the SHA-NI intrinsic); four chunks in flight pay that four times.
 * Nothing here changes what a copy does, only when the JVM does the work. Thread-safe; idempotent.
 */
public final class FirstCopyWarmup {
    private static final Logger LOG = LoggerFactory.getLogger(FirstCopyWarmup.class);
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    /** Enough SHA-256 blocks to pass the JIT's compile thresholds, little enough to cost ~20 ms compiled. */
    private static final int HASH_BYTES = 256 * 1024;
    private static final int HASH_ROUNDS = 16;

    private FirstCopyWarmup() {
    }

    /** Starts the warm-up once per JVM; returns at once. */
    public static void start() {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread thread = new Thread(FirstCopyWarmup::run, "copy-engine-warmup");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }

    private static void run() {
        try {
            FileHoles.bind();
            ByteBuffer bytes = ExtentChannels.alignedBuffer(HASH_BYTES);
            for (int i = 0; i < HASH_ROUNDS; i++) {
                DiskDigest.chunkDigest(bytes);
            }
        } catch (RuntimeException | LinkageError e) {
            // only a head start: a real copy meets the same problem and reports it where it matters
            LOG.debug("copy engine warm-up stopped early: {}", e.toString());
        }
    }
}
