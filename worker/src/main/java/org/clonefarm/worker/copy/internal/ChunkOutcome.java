package org.clonefarm.worker.copy.internal;

/**
 * What happened to one chunk in this run. Immutable.
 *
 * @param index the chunk index
 * @param length its length in bytes
 * @param digest its chunk digest (of the copy's algorithm)
 * @param bytesWritten bytes written to the target (a written chunk on a zero target skips its zero blocks; a
 *     shared chunk writes none)
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
        SAME,
        /** The target now shares the source's extents (reflink): not written, made durable by the next force. */
        SHARED
    }
}
