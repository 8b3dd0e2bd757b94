package org.clonefarm.coordinator.state;

import org.clonefarm.proto.CloneStatus;

/**
 * What folding one event did.
 *
 * @param kind what happened
 * @param status the clone's status after the event (null for batch facts and unknown clones)
 * @param reason why an event was ignored, else null
 */
public record FoldOutcome(Kind kind, CloneStatus status, String reason) {

    public enum Kind {
        /** The clone's status changed (state, step or progress). */
        APPLIED,
        /** An event id seen before: dropped. */
        DUPLICATE,
        /** The fact does not fit the clone's state or attempt: logged, not applied. */
        IGNORED,
        /** A batch-level fact (planned, completed) was recorded. */
        BATCH
    }

    static FoldOutcome applied(CloneStatus status) {
        return new FoldOutcome(Kind.APPLIED, status, null);
    }

    static FoldOutcome duplicate(CloneStatus status) {
        return new FoldOutcome(Kind.DUPLICATE, status, null);
    }

    static FoldOutcome ignored(CloneStatus status, String reason) {
        return new FoldOutcome(Kind.IGNORED, status, reason);
    }

    static FoldOutcome batch() {
        return new FoldOutcome(Kind.BATCH, null, null);
    }
}
