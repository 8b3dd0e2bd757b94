package org.clonefarm.coordinator.state;

import java.util.EnumMap;
import java.util.Map;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneEvent.FactCase;
import org.clonefarm.proto.CloneState;

/**
 * The life of a clone: which fact moves a clone from which state to which.
 *
 * <pre>
 * PLANNED -> COPYING -> COPIED -> STARTING -> FINALIZING -> REBOOTING -> READY
 *     any active state -> FAILED (copy, agent or coordinator failure) | CANCELLED
 *     FAILED | CANCELLED -> PLANNED (retry, attempt + 1)
 *     READY | FAILED -> PLANNED (refresh: a retry that says refresh, attempt + 1)
 * </pre>
 *
 * <p>Facts that belong to the current state without moving it (progress, a second worker taking over
 * a copy, an agent step inside FINALIZING) are accepted and keep the state. A fact that does not fit
 * is {@link Decision.Kind#IGNORED ignored} with a reason, never applied. RO-root clones run the agent
 * at every boot, so agent facts after READY are accepted quietly. Stateless and thread-safe.
 */
public final class CloneStateMachine {

    /** What to do with a fact in a state. */
    public record Decision(Kind kind, CloneState target, String reason) {
        public enum Kind { MOVE, STAY, IGNORED }

        static Decision move(CloneState target) {
            return new Decision(Kind.MOVE, target, null);
        }

        static Decision stay() {
            return new Decision(Kind.STAY, null, null);
        }

        static Decision ignored(String reason) {
            return new Decision(Kind.IGNORED, null, reason);
        }
    }

    private static final Map<CloneState, Map<FactCase, CloneState>> MOVES = new EnumMap<>(CloneState.class);
    private static final Map<CloneState, java.util.Set<FactCase>> STAYS = new EnumMap<>(CloneState.class);

    static {
        for (CloneState state : CloneState.values()) {
            MOVES.put(state, new EnumMap<>(FactCase.class));
            STAYS.put(state, java.util.EnumSet.noneOf(FactCase.class));
        }
        move(CloneState.CLONE_STATE_UNSPECIFIED, FactCase.CLONE_PLANNED, CloneState.CLONE_STATE_PLANNED);

        stay(CloneState.CLONE_STATE_PLANNED, FactCase.CLONE_PLANNED);
        move(CloneState.CLONE_STATE_PLANNED, FactCase.COPY_STARTED, CloneState.CLONE_STATE_COPYING);
        move(CloneState.CLONE_STATE_PLANNED, FactCase.COPY_PROGRESS, CloneState.CLONE_STATE_COPYING);
        move(CloneState.CLONE_STATE_PLANNED, FactCase.DISK_COPIED, CloneState.CLONE_STATE_COPYING);
        move(CloneState.CLONE_STATE_PLANNED, FactCase.CLONE_COPIED, CloneState.CLONE_STATE_COPIED);

        stay(CloneState.CLONE_STATE_COPYING, FactCase.COPY_STARTED, FactCase.COPY_PROGRESS, FactCase.DISK_COPIED);
        move(CloneState.CLONE_STATE_COPYING, FactCase.CLONE_COPIED, CloneState.CLONE_STATE_COPIED);

        // an idempotent worker re-emits results of a request delivered twice
        stay(CloneState.CLONE_STATE_COPIED, FactCase.DISK_COPIED, FactCase.CLONE_COPIED, FactCase.COPY_PROGRESS);
        move(CloneState.CLONE_STATE_COPIED, FactCase.GUEST_START_REQUESTED, CloneState.CLONE_STATE_STARTING);
        move(CloneState.CLONE_STATE_COPIED, FactCase.GUEST_STARTED, CloneState.CLONE_STATE_STARTING);

        stay(CloneState.CLONE_STATE_STARTING, FactCase.GUEST_START_REQUESTED, FactCase.GUEST_STARTED);
        for (FactCase agentStep : new FactCase[] {FactCase.AGENT_STARTED, FactCase.IDENTIFIED, FactCase.CONFIG_READ,
            FactCase.CONFIGURED, FactCase.FINALIZE_MARKER_REMOVED}) {
            move(CloneState.CLONE_STATE_STARTING, agentStep, CloneState.CLONE_STATE_FINALIZING);
            stay(CloneState.CLONE_STATE_FINALIZING, agentStep);
            stay(CloneState.CLONE_STATE_READY, agentStep);
        }
        // the agent may report before the coordinator has recorded XAUTOLOG's reply
        stay(CloneState.CLONE_STATE_FINALIZING, FactCase.GUEST_STARTED, FactCase.GUEST_START_REQUESTED);
        move(CloneState.CLONE_STATE_FINALIZING, FactCase.REBOOTING, CloneState.CLONE_STATE_REBOOTING);
        move(CloneState.CLONE_STATE_FINALIZING, FactCase.READY, CloneState.CLONE_STATE_READY); // RO root: no reboot

        stay(CloneState.CLONE_STATE_REBOOTING, FactCase.AGENT_STARTED, FactCase.REBOOTING, FactCase.GUEST_STARTED);
        move(CloneState.CLONE_STATE_REBOOTING, FactCase.READY, CloneState.CLONE_STATE_READY);

        stay(CloneState.CLONE_STATE_READY, FactCase.READY, FactCase.REBOOTING);
        // a refresh stops the guest (FORCE) before its request is published, so it is stopped while PLANNED;
        // a coordinator that restarted stops it again, which may land once the copy has begun
        stay(CloneState.CLONE_STATE_PLANNED, FactCase.GUEST_STOPPED);
        stay(CloneState.CLONE_STATE_COPYING, FactCase.GUEST_STOPPED);
        stay(CloneState.CLONE_STATE_COPIED, FactCase.GUEST_STOPPED);
        // a refresh that found the master unchanged: the coordinator states READY once the guest runs again
        // (its agent reports READY once per clone, and it did)
        move(CloneState.CLONE_STATE_STARTING, FactCase.READY, CloneState.CLONE_STATE_READY);

        for (CloneState active : new CloneState[] {CloneState.CLONE_STATE_PLANNED, CloneState.CLONE_STATE_COPYING,
            CloneState.CLONE_STATE_COPIED, CloneState.CLONE_STATE_STARTING, CloneState.CLONE_STATE_FINALIZING,
            CloneState.CLONE_STATE_REBOOTING}) {
            move(active, FactCase.CLONE_FAILED, CloneState.CLONE_STATE_FAILED);
            move(active, FactCase.CANCELLED, CloneState.CLONE_STATE_CANCELLED);
        }
        for (CloneState copying : new CloneState[] {CloneState.CLONE_STATE_PLANNED, CloneState.CLONE_STATE_COPYING}) {
            move(copying, FactCase.COPY_FAILED, CloneState.CLONE_STATE_FAILED);
        }
        for (CloneState booting : new CloneState[] {CloneState.CLONE_STATE_STARTING, CloneState.CLONE_STATE_FINALIZING,
            CloneState.CLONE_STATE_REBOOTING}) {
            move(booting, FactCase.AGENT_FAILED, CloneState.CLONE_STATE_FAILED);
        }
        // a worker refused a request that was not the coordinator's: nothing was copied, the clone is as it was
        for (CloneState any : CloneState.values()) {
            if (any != CloneState.CLONE_STATE_UNSPECIFIED && any != CloneState.UNRECOGNIZED) {
                stay(any, FactCase.REQUEST_REJECTED);
            }
        }
        move(CloneState.CLONE_STATE_FAILED, FactCase.RETRY_REQUESTED, CloneState.CLONE_STATE_PLANNED);
        move(CloneState.CLONE_STATE_FAILED, FactCase.CANCELLED, CloneState.CLONE_STATE_CANCELLED);
        move(CloneState.CLONE_STATE_CANCELLED, FactCase.RETRY_REQUESTED, CloneState.CLONE_STATE_PLANNED);
        move(CloneState.CLONE_STATE_READY, FactCase.RETRY_REQUESTED, CloneState.CLONE_STATE_PLANNED); // refresh only
    }

    private static void move(CloneState from, FactCase fact, CloneState to) {
        MOVES.get(from).put(fact, to);
    }

    private static void stay(CloneState in, FactCase... facts) {
        for (FactCase fact : facts) {
            STAYS.get(in).add(fact);
        }
    }

    private CloneStateMachine() {
    }

    /**
     * Decides what a fact does to a clone in {@code state} whose current attempt is {@code attempt}.
     * A fact of an earlier attempt (a late report of a copy that was retried) is ignored; attempt 0
     * means "the current one" (the guest agent does not know the attempt).
     */
    public static Decision decide(CloneState state, int attempt, CloneEvent event) {
        FactCase fact = event.getFactCase();
        boolean attemptFree = fact == FactCase.CLONE_PLANNED || fact == FactCase.RETRY_REQUESTED
                || fact == FactCase.CANCELLED;
        if (!attemptFree && event.getAttempt() != 0 && event.getAttempt() < attempt) {
            return Decision.ignored(fact + " of attempt " + event.getAttempt() + " is stale: the clone is at attempt "
                    + attempt);
        }
        if (fact == FactCase.RETRY_REQUESTED && state == CloneState.CLONE_STATE_READY
                && !event.getRetryRequested().getRefresh()) {
            return Decision.ignored("a retry does not fit a READY clone (only a refresh does)");
        }
        CloneState target = MOVES.get(state).get(fact);
        if (target != null) {
            return Decision.move(target);
        }
        if (STAYS.get(state).contains(fact)) {
            return Decision.stay();
        }
        return Decision.ignored(fact + " does not fit a clone in state " + simpleName(state));
    }

    /** Whether no fact but a retry moves a clone out of this state. */
    public static boolean isTerminal(CloneState state) {
        return state == CloneState.CLONE_STATE_READY || state == CloneState.CLONE_STATE_FAILED
                || state == CloneState.CLONE_STATE_CANCELLED;
    }

    /** {@code CLONE_STATE_COPYING} as {@code COPYING}. */
    public static String simpleName(CloneState state) {
        return state.name().replace("CLONE_STATE_", "");
    }
}
