package org.clonefarm.worker.copy;

/**
 * A progress report. Everything counted in it is durable: reported only after the target was forced
 * and the checkpoint that claims it was written with a synced write. Immutable.
 *
 * @param copyId the copy
 * @param bytesDone durable bytes accounted for (written, or skipped for any reason)
 * @param bytesSkipped the part of {@code bytesDone} that was not written (checkpoint, zero, compare)
 * @param bytesTotal the length of the source extent
 * @param bytesPerSecond average rate of {@code bytesDone} since the run started
 */
public record CopyProgress(String copyId, long bytesDone, long bytesSkipped, long bytesTotal, double bytesPerSecond) {

    /** The done fraction, 0 to 1 (1 for an empty copy). */
    public double fraction() {
        return bytesTotal == 0 ? 1.0 : (double) bytesDone / bytesTotal;
    }
}
