package org.clonefarm.worker.copy;

/** How a copy that did not fail ended. */
public enum CopyOutcome {
    /** Every chunk is durable on the target and checkpointed; the result carries the disk digest. */
    COMPLETED,
    /** Stopped on request; what was written before the stop is durable and checkpointed. */
    CANCELLED
}
