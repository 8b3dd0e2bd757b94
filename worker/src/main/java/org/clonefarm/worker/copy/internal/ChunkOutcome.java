package org.clonefarm.worker.copy.internal;

/**
 * What happened to one chunk in this run. Immutable.
 *
 * @param index the chunk index
 * @param length its length in bytes
 * @param digest its SHA-256
 * @param bytesWritten bytes written to the target (a written chunk on a zero target skips its zero blocks)
 * @param disposition written, or why not
 * @param bytesHole source bytes that were in a hole: known to be zeros, so neither read nor hashed
 */
public record ChunkOutcome(long index, int length, byte[] digest, long bytesWritten, Disposition disposition,
        long bytesHole) {

    /** Why a chunk's bytes are on the target. */
    public enum Disposition {
        /** Written by this run. */
        WRITTEN,
        /** All zeros and the target was known to read as zeros: not written. */
        ZERO,
        /** The target already held the same bytes (resume by compare): not written. */
        SAME
    }
}
