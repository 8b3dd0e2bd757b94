package org.clonefarm.coordinator.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CloneStatus;
import org.junit.jupiter.api.Test;

/** The fold of events into clone state follows the state machine of DESIGN.md. */
class CloneStateStoreTest {
    private final TestEvents events = new TestEvents("b1");
    private final CloneStateStore store = new CloneStateStore();

    private List<CloneEvent> lifeOfRwRootClone(String userid) {
        return List.of(events.planned(userid, 3000), events.copyStarted(userid, 3000),
                events.progress(userid, "0200", 1000), events.diskCopied(userid, "0200", 2000),
                events.diskCopied(userid, "0202", 1000), events.copied(userid), events.startRequested(userid),
                events.started(userid), events.agentStarted(userid), events.identified(userid),
                events.configured(userid), events.rebooting(userid), events.ready(userid));
    }

    @Test
    void rwRootCloneWalksEveryStateToReady() {
        List<CloneState> states = new ArrayList<>();
        for (CloneEvent event : lifeOfRwRootClone("LINUX001")) {
            FoldOutcome outcome = store.apply(event);
            assertThat(outcome.kind()).as(event.getFactCase().name()).isEqualTo(FoldOutcome.Kind.APPLIED);
            if (states.isEmpty() || states.get(states.size() - 1) != outcome.status().getState()) {
                states.add(outcome.status().getState());
            }
        }
        assertThat(states).containsExactly(CloneState.CLONE_STATE_PLANNED, CloneState.CLONE_STATE_COPYING,
                CloneState.CLONE_STATE_COPIED, CloneState.CLONE_STATE_STARTING, CloneState.CLONE_STATE_FINALIZING,
                CloneState.CLONE_STATE_REBOOTING, CloneState.CLONE_STATE_READY);
        CloneStatus status = store.status("LINUX001");
        assertThat(status.getProgress().getBytesDone()).isEqualTo(3000);
        assertThat(status.hasReadyAt()).isTrue();
        assertThat(status.getStep()).isEqualTo("ready");
    }

    @Test
    void roRootCloneGoesFromFinalizingToReadyWithoutReboot() {
        String u = "LINUX002";
        for (CloneEvent e : List.of(events.planned(u, 10), events.copied(u), events.startRequested(u),
                events.agentStarted(u), events.configured(u), events.ready(u))) {
            store.apply(e);
        }
        assertThat(store.status(u).getState()).isEqualTo(CloneState.CLONE_STATE_READY);
        assertThat(store.apply(events.agentStarted(u)).kind()).as("agent runs at every RO boot")
                .isEqualTo(FoldOutcome.Kind.APPLIED);
        assertThat(store.status(u).getState()).isEqualTo(CloneState.CLONE_STATE_READY);
    }

    @Test
    void transitionThatDoesNotFitIsIgnoredNotApplied() {
        store.apply(events.planned("LINUX003", 10));
        FoldOutcome outcome = store.apply(events.ready("LINUX003"));
        assertThat(outcome.kind()).isEqualTo(FoldOutcome.Kind.IGNORED);
        assertThat(outcome.reason()).contains("READY").contains("PLANNED");
        assertThat(store.status("LINUX003").getState()).isEqualTo(CloneState.CLONE_STATE_PLANNED);
    }

    @Test
    void eventForAnUnplannedCloneIsIgnored() {
        FoldOutcome outcome = store.apply(events.copied("GHOST"));
        assertThat(outcome.kind()).isEqualTo(FoldOutcome.Kind.IGNORED);
        assertThat(store.status("GHOST")).isNull();
    }

    @Test
    void duplicateEventIdIsDropped() {
        CloneEvent planned = events.planned("LINUX004", 10);
        CloneEvent failed = events.copyFailed("LINUX004", 1);
        store.apply(planned);
        store.apply(failed);
        CloneEvent retry = events.retry("LINUX004", 2);
        assertThat(store.apply(retry).kind()).isEqualTo(FoldOutcome.Kind.APPLIED);
        assertThat(store.apply(failed).kind()).isEqualTo(FoldOutcome.Kind.DUPLICATE);
        assertThat(store.status("LINUX004").getState()).isEqualTo(CloneState.CLONE_STATE_PLANNED);
        assertThat(store.status("LINUX004").getAttempt()).isEqualTo(2);
    }

    /** A READY clone goes back to PLANNED only for a refresh (counted, with its master version), never for a retry. */
    @Test
    void refreshMovesAReadyCloneBackToPlannedAndARetryDoesNot() {
        String u = "LINUX006";
        lifeOfRwRootClone(u).forEach(store::apply);
        assertThat(store.apply(events.retry(u, 2)).kind()).as("a retry of a READY clone").isEqualTo(FoldOutcome.Kind.IGNORED);
        CloneEvent refresh = events.retry(u, 2).toBuilder().setRetryRequested(org.clonefarm.proto.RetryRequested.newBuilder()
                .setNextAttempt(2).setRefresh(true).setMasterVersion("v1")).build();
        assertThat(store.apply(refresh).kind()).isEqualTo(FoldOutcome.Kind.APPLIED);
        CloneStatus status = store.status(u);
        assertThat(status.getState()).isEqualTo(CloneState.CLONE_STATE_PLANNED);
        assertThat(status.getAttempt()).isEqualTo(2);
        assertThat(status.getRefreshes()).isEqualTo(1);
        assertThat(status.getRefreshVersion()).isEqualTo("v1");
        assertThat(status.getStep()).isEqualTo("refresh");
        assertThat(status.hasReadyAt()).isFalse();
        CloneEvent stopped = events.copied(u).toBuilder().setAttempt(2)
                .setGuestStopped(org.clonefarm.proto.GuestStopped.newBuilder().setReply("FORCED")).build();
        assertThat(store.apply(stopped).kind()).isEqualTo(FoldOutcome.Kind.APPLIED);
        assertThat(store.status(u).getStep()).isEqualTo("force");
        assertThat(store.status(u).getState()).isEqualTo(CloneState.CLONE_STATE_PLANNED);
    }

    /** A refresh that changed nothing: the coordinator's READY after the restart moves STARTING to READY. */
    @Test
    void readyRightAfterTheStartOfAnUnchangedRefreshIsApplied() {
        String u = "LINUX007";
        for (CloneEvent e : List.of(events.planned(u, 10), events.copied(u), events.startRequested(u), events.started(u))) {
            store.apply(e);
        }
        assertThat(store.status(u).getState()).isEqualTo(CloneState.CLONE_STATE_STARTING);
        assertThat(store.apply(events.ready(u)).kind()).isEqualTo(FoldOutcome.Kind.APPLIED);
        assertThat(store.status(u).getState()).isEqualTo(CloneState.CLONE_STATE_READY);
    }

    /** The addresses the guest's kernel had stay through an unchanged refresh (its READY is the coordinator's). */
    @Test
    void configuredAddressesOutliveAnUnchangedRefresh() {
        String u = "LINUX008";
        CloneEvent guestReady = events.ready(u).toBuilder().setReady(org.clonefarm.proto.Ready.newBuilder().setBoot(2)
                .addConfiguredAddresses("10.1.0.108/16")).build();
        for (CloneEvent e : List.of(events.planned(u, 10), events.copied(u), events.startRequested(u), events.started(u),
                guestReady)) {
            store.apply(e);
        }
        assertThat(store.status(u).getConfiguredAddressesList()).containsExactly("10.1.0.108/16");

        CloneEvent refresh = events.retry(u, 2).toBuilder().setRetryRequested(org.clonefarm.proto.RetryRequested.newBuilder()
                .setNextAttempt(2).setRefresh(true).setMasterVersion("v1")).build();
        store.apply(refresh);
        for (CloneEvent e : List.of(events.copied(u), events.startRequested(u), events.started(u), events.ready(u))) {
            store.apply(e.toBuilder().setAttempt(2).build());
        }
        assertThat(store.status(u).getState()).isEqualTo(CloneState.CLONE_STATE_READY);
        assertThat(store.status(u).getConfiguredAddressesList()).containsExactly("10.1.0.108/16");
    }

    @Test
    void lateFactOfAnEarlierAttemptIsIgnored() {
        String u = "LINUX005";
        store.apply(events.planned(u, 10));
        store.apply(events.copyFailed(u, 1));
        store.apply(events.retry(u, 2));
        FoldOutcome late = store.apply(events.copyFailed(u, 1));
        assertThat(late.kind()).isEqualTo(FoldOutcome.Kind.IGNORED);
        assertThat(late.reason()).contains("stale");
        assertThat(store.status(u).getState()).isEqualTo(CloneState.CLONE_STATE_PLANNED);
    }

    @Test
    void failureRecordsStepReasonAndRetryable() {
        String u = "LINUX006";
        store.apply(events.planned(u, 10));
        store.apply(events.copied(u));
        store.apply(events.startRequested(u));
        store.apply(events.agentStarted(u));
        store.apply(events.agentFailed(u));
        CloneStatus status = store.status(u);
        assertThat(status.getState()).isEqualTo(CloneState.CLONE_STATE_FAILED);
        assertThat(status.getLastError().getStep()).isEqualTo("configure");
        assertThat(status.getLastError().getReason()).contains("10.1.1.999");
    }

    @Test
    void batchCountsFollowEveryTransition() {
        store.apply(events.batchPlanned(3));
        for (String u : List.of("A1", "A2", "A3")) {
            store.apply(events.planned(u, 100));
        }
        lifeOfRwRootClone("A1").stream().skip(1).forEach(store::apply);
        store.apply(events.copyFailed("A2", 1));
        store.apply(events.cancelled("A3"));
        BatchSummary summary = store.batch("b1");
        assertThat(summary.clones()).isEqualTo(3);
        assertThat(summary.count(CloneState.CLONE_STATE_READY)).isEqualTo(1);
        assertThat(summary.count(CloneState.CLONE_STATE_FAILED)).isEqualTo(1);
        assertThat(summary.count(CloneState.CLONE_STATE_CANCELLED)).isEqualTo(1);
        assertThat(summary.count(CloneState.CLONE_STATE_PLANNED)).isZero();
        assertThat(summary.allFinished()).isTrue();
        assertThat(store.clonesOf("b1")).extracting(CloneStatus::getUserid).containsExactly("A1", "A2", "A3");
    }

    @Test
    void replayingTheSameEventsGivesTheSameState() {
        List<CloneEvent> stream = new ArrayList<>();
        Random random = new Random(42);
        for (int i = 0; i < 50; i++) {
            List<CloneEvent> life = lifeOfRwRootClone(String.format("R%03d", i));
            stream.addAll(life.subList(0, 1 + random.nextInt(life.size())));
        }
        stream.add(stream.get(7)); // a duplicate
        CloneStateStore first = new CloneStateStore();
        CloneStateStore second = new CloneStateStore();
        stream.forEach(first::apply);
        stream.forEach(second::apply);
        assertThat(second.allStatuses()).containsExactlyInAnyOrderElementsOf(first.allStatuses());
        assertThat(second.batch("b1")).isEqualTo(first.batch("b1"));
    }

    /** Disks that report more bytes than the plan counted show progress at the total, never beyond it. */
    @Test
    void progressIsCappedAtTheTotalWhenDisksReportMore() {
        String u = "LINUX007";
        store.apply(events.batchPlanned(1));
        store.apply(events.planned(u, 3000));
        store.apply(events.copyStarted(u, 3000));
        store.apply(events.diskCopied(u, "0200", 2000));
        store.apply(events.diskCopied(u, "0202", 1500));
        assertThat(store.status(u).getProgress().getBytesDone()).isEqualTo(3000);
        assertThat(store.status(u).getProgress().getBytesTotal()).isEqualTo(3000);
        assertThat(store.batch("b1").bytesDone()).as("the batch sums what its clones show").isEqualTo(3000);
    }

    /** With no total known, progress is what the disks reported. */
    @Test
    void progressWithoutAKnownTotalIsWhatTheDisksReported() {
        String u = "LINUX008";
        store.apply(events.planned(u, 0));
        store.apply(events.diskCopied(u, "0200", 2000));
        assertThat(store.status(u).getProgress().getBytesDone()).isEqualTo(2000);
    }
}
