package org.clonefarm.worker.copy;

/**
 * The shape a copy's checkpoints were written for, stored once per copy id. A run whose shape differs
 * (another chunk size, length or chunk digest algorithm) cannot use the chunk checkpoints and starts the
 * copy over: chunk digests of two algorithms are never compared or mixed in one disk digest. Immutable.
 *
 * @param chunkSize bytes per chunk
 * @param bytesTotal the source extent's length
 * @param zeroFrom the extent-relative offset from which the target read as zeros when the copy first
 *     started ({@link #NOT_ZERO} when no part was known to), kept so a resumed copy still skips zero chunks
 * @param digest the algorithm of every chunk digest recorded under this layout
 */
public record CheckpointLayout(int chunkSize, long bytesTotal, long zeroFrom, DiskDigest.Algorithm digest) {
    /** {@link #zeroFrom()} when no part of the target was known to read as zeros. */
    public static final long NOT_ZERO = Long.MAX_VALUE;

    public CheckpointLayout {
        if (digest == null) {
            throw new IllegalArgumentException("a checkpoint layout names its chunk digest algorithm");
        }
    }

    /** Number of chunks, the last one possibly short. */
    public long chunkCount() {
        return (bytesTotal + chunkSize - 1) / chunkSize;
    }

    /** Whether chunk checkpoints made under {@code previous} hold for a run with this layout's chunking and digests. */
    public boolean sameChunking(CheckpointLayout previous) {
        return previous.chunkSize == chunkSize && previous.bytesTotal == bytesTotal && previous.digest == digest;
    }
}
