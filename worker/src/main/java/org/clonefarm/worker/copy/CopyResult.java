package org.clonefarm.worker.copy;

import java.time.Duration;

/**
 * What a copy did. The byte counts partition {@code bytesTotal} when the copy completed:
 * {@code bytesWritten + bytesShared + bytesSkippedCheckpoint + bytesSkippedZero + bytesSkippedCompare == bytesTotal}.
 * Immutable.
 *
 * @param copyId the checkpoint key of this copy (given or derived)
 * @param outcome completed or cancelled
 * @param bytesTotal the length of the source extent
 * @param bytesWritten bytes written to the target by this run
 * @param bytesShared bytes whose source extents the target now shares (reflink): on the target, nothing written
 * @param bytesSkippedCheckpoint bytes skipped because a checkpoint said they were durable already
 * @param bytesSkippedZero zero bytes not written because the target was known to read as zeros
 * @param bytesSkippedCompare bytes not written because the target already held them (resume by compare)
 * @param bytesSourceHoles source bytes this run found in holes of a sparse source file ({@code SEEK_DATA})
 *     and therefore neither read nor hashed; they are also counted above, as zero or written bytes
 * @param wall the run's wall time, from the call to the result
 * @param chunkSize the chunk size the digest is defined over
 * @param digest the disk digest ({@link DiskDigest}), lower-case hex; {@code null} when cancelled
 * @param digestAlgorithm the chunk digest algorithm the disk digest is made of
 * @param verified whether the target was read back and matched every chunk digest
 * @param phases where this run's time went
 * @param bytesReadSource source bytes this run read itself: in a fan-out (copies of one source at once on one
 *     engine) each chunk is read by one of them, so the copies' counts add up to the source's data once
 */
public record CopyResult(
        String copyId,
        CopyOutcome outcome,
        long bytesTotal,
        long bytesWritten,
        long bytesShared,
        long bytesSkippedCheckpoint,
        long bytesSkippedZero,
        long bytesSkippedCompare,
        long bytesSourceHoles,
        Duration wall,
        int chunkSize,
        String digest,
        DiskDigest.Algorithm digestAlgorithm,
        boolean verified,
        CopyPhases phases,
        long bytesReadSource) {

    /** Bytes this run accounted for: written, shared and every kind of skip. */
    public long bytesDone() {
        return bytesWritten + bytesShared + bytesSkippedCheckpoint + bytesSkippedZero + bytesSkippedCompare;
    }

    /** Throughput over the whole source extent in MiB per second of wall time. */
    public double mibPerSecond() {
        double seconds = wall.toNanos() / 1e9;
        return seconds <= 0 ? 0 : bytesDone() / (1024.0 * 1024.0) / seconds;
    }
}
