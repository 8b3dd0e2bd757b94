package org.clonefarm.worker.copy;

/**
 * The shape a copy's checkpoints were written for, stored once per copy id. A run whose shape differs
 * (another chunk size or length) cannot use the chunk checkpoints and starts the copy over. Immutable.
 *
 * @param chunkSize bytes per chunk
 * @param bytesTotal the source extent's length
 * @param zeroFrom the extent-relative offset from which the target read as zeros when the copy first
 *     started ({@link #NOT_ZERO} when no part was known to), kept so a resumed copy still skips zero chunks
 */
public record CheckpointLayout(int chunkSize, long bytesTotal, long zeroFrom) {
    /** {@link #zeroFrom()} when no part of the target was known to read as zeros. */
    public static final long NOT_ZERO = Long.MAX_VALUE;

    /** Number of chunks, the last one possibly short. */
    public long chunkCount() {
        return (bytesTotal + chunkSize - 1) / chunkSize;
    }
}
