package org.clonefarm.worker.copy.internal;

/**
 * What happened to one chunk in this run. Immutable.
 *
 * @param index the chunk index
 * @param length its length in bytes
 * @param digest its SHA-256
 * @param disposition written, or why not
 */
public record ChunkOutcome(long index, int length, byte[] digest, Disposition disposition) {

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
