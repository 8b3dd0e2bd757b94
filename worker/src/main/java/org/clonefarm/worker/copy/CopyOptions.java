package org.clonefarm.worker.copy;

import java.time.Duration;

/**
 * How a copy runs. Every key is declared once here with its default, its range and its meaning; the
 * {@code clonefarm copy} options and their help text are built from the same constants. Immutable and
 * thread-safe; build with {@link #defaults()} and the {@code with...} methods, which validate.
 *
 * <p>The defaults come from {@code bench/copy --sweep} on the reference machine (docs/copy-engine.md).
 *
 * @param chunkSize bytes per chunk, the unit of I/O, hashing and checkpointing
 * @param maxInFlight chunks read, hashed or written at the same time
 * @param verify read the whole target back at the end and compare every chunk digest
 * @param targetZeroed the caller vouches that the target extent reads as zeros, so zero chunks are skipped
 * @param resumeByCompare hash target chunks that no checkpoint covers and skip those already equal to the source
 * @param forceBytes a checkpoint batch is forced and committed once this many bytes were written into it
 * @param forceInterval ... or once this much time has passed since the last commit
 * @param ioMode how a chunk's bytes go from source to target
 * @param digest the chunk digest algorithm of a new copy (a resumed copy keeps its checkpoints' only if it matches)
 * @param reflink share the source's extents with the target ({@code FICLONERANGE}) where both are files on one
 *     file system that can (XFS with reflink, btrfs), instead of writing the bytes
 */
public record CopyOptions(
        int chunkSize,
        int maxInFlight,
        boolean verify,
        boolean targetZeroed,
        boolean resumeByCompare,
        long forceBytes,
        Duration forceInterval,
        IoMode ioMode,
        DiskDigest.Algorithm digest,
        boolean reflink) {

    /** How the bytes of a chunk move. */
    public enum IoMode {
        /**
         * Positional read into an aligned direct buffer, hash, positional write from the same buffer, with
         * {@code O_DIRECT} for every aligned transfer (no page cache; falls back to BUFFERED where refused).
         */
        DIRECT,
        /**
         * As {@link #DIRECT}, but the source is read through the page cache (readahead, and a master disk
         * cloned many times is read from the device once); only target writes are direct. The default.
         */
        DIRECT_WRITE,
        /** As {@link #DIRECT} but through the page cache. */
        BUFFERED,
        /**
         * Positional read for the hash, then an in-kernel copy for the write: {@code copy_file_range} between
         * regular files (which shares extents where the file system can), else {@code FileChannel.transferTo}.
         * The target's pages are dirty in the page cache until the batch's force.
         */
        TRANSFER_TO
    }

    public static final int MIB = 1024 * 1024;

    public static final String CHUNK_SIZE_DOC = "Chunk size: the unit of I/O, hashing and checkpoints.";
    public static final int DEFAULT_CHUNK_SIZE = 4 * MIB;
    public static final int MIN_CHUNK_SIZE = 64 * 1024;
    public static final int MAX_CHUNK_SIZE = 256 * MIB;

    public static final String MAX_IN_FLIGHT_DOC = "Chunks read, hashed or written at the same time.";
    public static final int DEFAULT_MAX_IN_FLIGHT = 4;
    public static final int MAX_MAX_IN_FLIGHT = 64;

    public static final String FORCE_BYTES_DOC = "Written bytes per checkpoint batch (force + synced RocksDB write).";
    public static final long DEFAULT_FORCE_BYTES = 64L * MIB;

    /**
     * Direct writes, source read through the page cache: on the reference machine 1.3 to 1.5 times as
     * fast as {@link IoMode#DIRECT}, whose direct reads go to the device even when the source is cached
     * (docs/copy-engine.md). Durability is the same: the target is forced before every checkpoint.
     */
    public static final IoMode DEFAULT_IO_MODE = IoMode.DIRECT_WRITE;

    public static final String DIGEST_DOC = "Chunk digest algorithm: sha256 (cryptographic) or crc32c+crc32"
            + " (64-bit check against accidental change, 10 to 20 times cheaper).";
    /**
     * The 64-bit CRC pair: on the reference machine SHA-256 cost 0.7 to 1.5 CPU-s per GiB and was the
     * engine's largest CPU cost, the pair costs 0.08 (docs/copy-engine.md). Nothing the engine decides
     * needs a cryptographic digest: resume by compare compares bytes, and checkpoints, verify and the disk
     * digest guard against accidents, not forgery. Choose sha256 where a digest must stand against
     * someone who chooses the bytes.
     */
    public static final DiskDigest.Algorithm DEFAULT_DIGEST = DiskDigest.Algorithm.CRC32C_CRC32;

    public static final String REFLINK_DOC = "Share the source's extents with the target (FICLONERANGE) where both"
            + " are files on one file system that can (XFS with reflink, btrfs), instead of writing the bytes.";

    public static final String FORCE_INTERVAL_DOC = "Longest time between two checkpoint batches.";
    public static final Duration DEFAULT_FORCE_INTERVAL = Duration.ofSeconds(1);

    public CopyOptions {
        if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE || chunkSize % 4096 != 0) {
            throw new IllegalArgumentException("chunk size must be a multiple of 4096 from " + MIN_CHUNK_SIZE
                    + " to " + MAX_CHUNK_SIZE + " bytes, got " + chunkSize);
        }
        if (maxInFlight < 1 || maxInFlight > MAX_MAX_IN_FLIGHT) {
            throw new IllegalArgumentException("chunks in flight must be from 1 to " + MAX_MAX_IN_FLIGHT
                    + ", got " + maxInFlight);
        }
        if (forceBytes < chunkSize) {
            throw new IllegalArgumentException("force batch bytes must be at least the chunk size (" + chunkSize
                    + "), got " + forceBytes);
        }
        if (forceInterval == null || forceInterval.isNegative() || forceInterval.isZero()) {
            throw new IllegalArgumentException("force interval must be positive, got " + forceInterval);
        }
        if (ioMode == null) {
            throw new IllegalArgumentException("io mode is required");
        }
        if (digest == null) {
            throw new IllegalArgumentException("digest algorithm is required");
        }
    }

    /**
     * The defaults: chunk size, parallelism, I/O mode, digest and batching measured by bench/copy; reflink
     * where possible; no verify, no compare.
     */
    public static CopyOptions defaults() {
        return new CopyOptions(DEFAULT_CHUNK_SIZE, DEFAULT_MAX_IN_FLIGHT, false, false, false,
                DEFAULT_FORCE_BYTES, DEFAULT_FORCE_INTERVAL, DEFAULT_IO_MODE, DEFAULT_DIGEST, true);
    }

    public CopyOptions withChunkSize(int bytes) {
        return new CopyOptions(bytes, maxInFlight, verify, targetZeroed, resumeByCompare,
                Math.max(forceBytes, bytes), forceInterval, ioMode, digest, reflink);
    }

    public CopyOptions withMaxInFlight(int chunks) {
        return new CopyOptions(chunkSize, chunks, verify, targetZeroed, resumeByCompare,
                forceBytes, forceInterval, ioMode, digest, reflink);
    }

    public CopyOptions withVerify(boolean on) {
        return new CopyOptions(chunkSize, maxInFlight, on, targetZeroed, resumeByCompare,
                forceBytes, forceInterval, ioMode, digest, reflink);
    }

    public CopyOptions withTargetZeroed(boolean on) {
        return new CopyOptions(chunkSize, maxInFlight, verify, on, resumeByCompare,
                forceBytes, forceInterval, ioMode, digest, reflink);
    }

    public CopyOptions withResumeByCompare(boolean on) {
        return new CopyOptions(chunkSize, maxInFlight, verify, targetZeroed, on,
                forceBytes, forceInterval, ioMode, digest, reflink);
    }

    public CopyOptions withForceBytes(long bytes) {
        return new CopyOptions(chunkSize, maxInFlight, verify, targetZeroed, resumeByCompare,
                bytes, forceInterval, ioMode, digest, reflink);
    }

    public CopyOptions withForceInterval(Duration interval) {
        return new CopyOptions(chunkSize, maxInFlight, verify, targetZeroed, resumeByCompare,
                forceBytes, interval, ioMode, digest, reflink);
    }

    public CopyOptions withIoMode(IoMode mode) {
        return new CopyOptions(chunkSize, maxInFlight, verify, targetZeroed, resumeByCompare,
                forceBytes, forceInterval, mode, digest, reflink);
    }

    public CopyOptions withDigest(DiskDigest.Algorithm algorithm) {
        return new CopyOptions(chunkSize, maxInFlight, verify, targetZeroed, resumeByCompare, forceBytes, forceInterval,
                ioMode, algorithm, reflink);
    }

    public CopyOptions withReflink(boolean on) {
        return new CopyOptions(chunkSize, maxInFlight, verify, targetZeroed, resumeByCompare, forceBytes, forceInterval,
                ioMode, digest, on);
    }

    /**
     * The most bytes a crash (kill, power loss) can cost with these options: the batch being committed
     * and the next one filling meanwhile, each at most {@code forceBytes} plus the chunks in flight when
     * it closed: {@code 2 x (forceBytes + maxInFlight x chunkSize)}. A restart copies again at most this
     * much of what the crashed run had written. (Skipped chunks, zero or equal by compare, are bounded by
     * time instead: a restart re-reads at most two {@code forceInterval}s' worth of them, writing nothing.)
     */
    public long crashBoundBytes() {
        return 2 * (forceBytes + (long) maxInFlight * chunkSize);
    }
}
