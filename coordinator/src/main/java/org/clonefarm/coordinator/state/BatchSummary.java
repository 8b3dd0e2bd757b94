package org.clonefarm.coordinator.state;

import java.util.Map;
import org.clonefarm.proto.CloneState;

/**
 * A consistent snapshot of one batch: how many clones are in each state and how many bytes are copied.
 *
 * @param batchId the batch
 * @param clones clones planned in the batch
 * @param counts clones per state (states with no clone are absent)
 * @param bytesDone durable bytes copied so far, over all clones
 * @param bytesTotal bytes to copy, over all clones
 * @param completed whether a batch-completed fact covers the batch as it is (no retry since)
 * @param retries retries of the batch's clones so far (a batch-completed event records how many it covers)
 */
public record BatchSummary(String batchId, int clones, Map<CloneState, Integer> counts, long bytesDone,
        long bytesTotal, boolean completed, int retries) {

    public int count(CloneState state) {
        return counts.getOrDefault(state, 0);
    }

    /** Clones that are READY, FAILED or CANCELLED. */
    public int finished() {
        return count(CloneState.CLONE_STATE_READY) + count(CloneState.CLONE_STATE_FAILED)
                + count(CloneState.CLONE_STATE_CANCELLED);
    }

    /** Whether every planned clone is READY, FAILED or CANCELLED. */
    public boolean allFinished() {
        return clones > 0 && finished() == clones;
    }
}
