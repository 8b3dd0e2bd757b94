package org.clonefarm.coordinator.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.state.TestEvents;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.proto.AgentStarted;
import org.clonefarm.proto.CloneCopied;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CopyProgress;
import org.clonefarm.proto.CopyStarted;
import org.clonefarm.proto.DiskCopied;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's pictures folded from real event sequences, through the real state store as the
 * coordinator folds them: the throughput series adds up to the batch's bytes in the seconds they were
 * copied, and the step durations are the differences of the facts' timestamps.
 */
class BatchTimelinesTest {
    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    private static final long MIB = 1024 * 1024;

    private final TestEvents events = new TestEvents("tl");
    private final CloneStateStore store = new CloneStateStore();
    private final BatchTimelines timelines = new BatchTimelines();

    /** Folds like the coordinator: the store first, then its listener with the store's outcome. */
    private void fold(CloneEvent... facts) {
        for (CloneEvent fact : facts) {
            timelines.onFolded(fact, store.apply(fact), false);
        }
    }

    /** The fact, as if it happened {@code seconds} after T0. */
    private static CloneEvent at(double seconds, CloneEvent fact) {
        return fact.toBuilder().setTime(EventFactory.timestamp(T0.plusMillis(Math.round(seconds * 1000)))).build();
    }

    private CloneEvent progress(String userid, String vaddr, long bytes) {
        return events.progress(userid, vaddr, bytes);
    }

    /** Every byte lands in the second its progress fact was stamped with, and they add up to the batch's bytes. */
    @Test
    void throughputAddsUpToTheBatchBytesInTheSecondsTheyWereCopied() {
        fold(at(0, events.planned("LNXA", 300 * MIB)), at(0.1, events.planned("LNXB", 100 * MIB)),
                at(1, events.copyStarted("LNXA", 300 * MIB)), at(1.5, events.copyStarted("LNXB", 100 * MIB)),
                at(2.0, progress("LNXA", "0200", 100 * MIB)), at(2.2, progress("LNXB", "0200", 60 * MIB)),
                at(3.1, events.diskCopied("LNXB", "0200", 100 * MIB)), at(3.2, events.copied("LNXB")),
                at(3.5, progress("LNXA", "0200", 200 * MIB)),
                at(4.2, events.diskCopied("LNXA", "0200", 200 * MIB)), // already counted by its progress
                at(4.9, progress("LNXA", "0202", 50 * MIB)), at(5.1, events.diskCopied("LNXA", "0202", 100 * MIB)),
                at(5.2, events.copied("LNXA")));
        // the batch fact sits on another partition: it may be folded after its clones
        fold(at(0, events.batchPlanned(2)));

        BatchTimeline timeline = timelines.timeline("tl");
        assertThat(timeline.start()).isEqualTo(T0);
        assertThat(timeline.end()).isEqualTo(T0.plusMillis(5200));
        assertThat(timeline.bucketSeconds()).isEqualTo(1);
        assertThat(timeline.throughput()).extracting(BatchTimeline.ThroughputPoint::offsetSeconds)
                .containsExactly(0.0, 1.0, 2.0, 3.0, 4.0, 5.0);
        assertThat(timeline.throughput()).extracting(BatchTimeline.ThroughputPoint::bytes)
                .containsExactly(0L, 0L, 160 * MIB, 140 * MIB, 50 * MIB, 50 * MIB);
        assertThat(timeline.throughput().get(2).bytesPerSecond()).isEqualTo(160.0 * MIB);
        assertThat(timeline.throughputBytes()).isEqualTo(400 * MIB).isEqualTo(store.batch("tl").bytesDone());
        assertThat(timeline.peakBytesPerSecond()).isEqualTo(160.0 * MIB);
    }

    /** Each step lasts from its milestone fact to the next one's; the distribution runs over the clones. */
    @Test
    void stepDurationsAreTheTimesBetweenTheClonesMilestones() {
        live("LNXA", 0, 2, 12, 15, 45, 52, 71);
        live("LNXB", 0, 3, 23, 24, 44, 50, 60);
        live("LNXC", 0, 4, 34, 40, 70, 80, 100);

        BatchTimeline timeline = timelines.timeline("tl");
        assertThat(stepsOf(timeline, "LNXA")).containsExactly(Map.entry(CloneStep.QUEUE, 2.0),
                Map.entry(CloneStep.COPY, 10.0), Map.entry(CloneStep.START, 3.0), Map.entry(CloneStep.BOOT, 30.0),
                Map.entry(CloneStep.FINALIZE, 7.0), Map.entry(CloneStep.REBOOT, 19.0));
        BatchTimeline.Span copy = timeline.clones().get(0).spans().get(1);
        assertThat(copy).isEqualTo(new BatchTimeline.Span(CloneStep.COPY, 2.0, 12.0, false));
        assertThat(timeline.clones().get(0).plannedToReadySeconds()).isEqualTo(71.0);
        assertThat(timeline.clones()).extracting(BatchTimeline.CloneTimeline::state)
                .containsOnly(CloneState.CLONE_STATE_READY);

        // copy took 10, 20 and 30 s: nearest-rank median 20, p90 30
        assertThat(timeline.steps().get(CloneStep.COPY))
                .isEqualTo(new BatchTimeline.Durations(3, 10.0, 20.0, 30.0, 30.0, 20.0));
        assertThat(timeline.steps().get(CloneStep.START))
                .isEqualTo(new BatchTimeline.Durations(3, 1.0, 3.0, 6.0, 6.0, 10.0 / 3));
        assertThat(timeline.steps().get(CloneStep.REBOOT).medianSeconds()).isEqualTo(19.0);
        assertThat(timeline.plannedToReady()).isEqualTo(new BatchTimeline.Durations(3, 60.0, 71.0, 100.0, 100.0, 77.0));
    }

    /** A read-only-root clone finalizes straight to READY; the agent's facts at its later boots add no step. */
    @Test
    void cloneWithoutRebootFinalizesUntilReadyAndLaterBootsAddNoStep() {
        fold(at(0, events.planned("LNXRO", 10 * MIB)), at(1, events.copyStarted("LNXRO", 10 * MIB)),
                at(2, events.copied("LNXRO")), at(3, events.startRequested("LNXRO")), at(4, events.started("LNXRO")),
                at(10, events.agentStarted("LNXRO")), at(11, events.configured("LNXRO")), at(14, events.ready("LNXRO")),
                // the next boot of the read-only root: the agent runs again
                at(300, events.rebooting("LNXRO")), at(320, events.agentStarted("LNXRO")));

        BatchTimeline timeline = timelines.timeline("tl");
        assertThat(stepsOf(timeline, "LNXRO")).containsExactly(Map.entry(CloneStep.QUEUE, 1.0),
                Map.entry(CloneStep.COPY, 1.0), Map.entry(CloneStep.START, 2.0), Map.entry(CloneStep.BOOT, 6.0),
                Map.entry(CloneStep.FINALIZE, 4.0));
        assertThat(timeline.steps().get(CloneStep.REBOOT).clones()).isZero();
        assertThat(timeline.clones().get(0).plannedToReadySeconds()).isEqualTo(14.0);
    }

    /**
     * A clone still copying shows its copy as open up to the batch's latest fact, one that failed up to its
     * failure; neither counts in the distribution of finished steps.
     */
    @Test
    void runningAndFailedStepsAreOpenSpansOutsideTheDistribution() {
        fold(at(0, events.planned("LNXRUN", 100 * MIB)), at(0, events.planned("LNXBAD", 100 * MIB)),
                at(1, events.copyStarted("LNXRUN", 100 * MIB)), at(2, events.copyStarted("LNXBAD", 100 * MIB)),
                at(3, progress("LNXRUN", "0200", 10 * MIB)), at(4, events.copyFailed("LNXBAD", 1)),
                at(9, progress("LNXRUN", "0200", 20 * MIB)));

        BatchTimeline timeline = timelines.timeline("tl");
        BatchTimeline.CloneTimeline failed = timeline.clones().get(0);
        assertThat(failed.userid()).isEqualTo("LNXBAD");
        assertThat(failed.state()).isEqualTo(CloneState.CLONE_STATE_FAILED);
        assertThat(failed.spans()).containsExactly(new BatchTimeline.Span(CloneStep.QUEUE, 0, 2, false),
                new BatchTimeline.Span(CloneStep.COPY, 2, 4, true));
        BatchTimeline.CloneTimeline running = timeline.clones().get(1);
        assertThat(running.spans()).containsExactly(new BatchTimeline.Span(CloneStep.QUEUE, 0, 1, false),
                new BatchTimeline.Span(CloneStep.COPY, 1, 9, true));
        assertThat(running.plannedToReadySeconds()).isNull();
        assertThat(timeline.steps().get(CloneStep.COPY).clones()).isZero();
        assertThat(timeline.steps().get(CloneStep.QUEUE).clones()).isEqualTo(2);
    }

    /**
     * After a retry the steps are the new attempt's, from the retry on; the bytes copied again count again,
     * and a late fact of the old attempt counts for nothing.
     */
    @Test
    void retriedCloneShowsTheNewAttemptsStepsAndCountsItsBytesAgain() {
        fold(at(0, events.planned("LNXR", 100 * MIB)), at(1, events.copyStarted("LNXR", 100 * MIB)),
                at(2, progress("LNXR", "0200", 50 * MIB)), at(3, events.copyFailed("LNXR", 1)),
                at(10, events.retry("LNXR", 2)),
                at(11, events.base("LNXR", 2).setCopyStarted(CopyStarted.newBuilder().setBytesTotal(100 * MIB)).build()),
                at(12, events.base("LNXR", 2).setCopyProgress(CopyProgress.newBuilder().setVaddr("0200")
                        .setBytesDone(40 * MIB)).build()),
                at(12.5, progress("LNXR", "0200", 80 * MIB)), // attempt 1, late: the fold ignores it
                at(13, events.base("LNXR", 2).setDiskCopied(DiskCopied.newBuilder().setVaddr("0200")
                        .setBytesTotal(100 * MIB)).build()),
                at(14, events.base("LNXR", 2).setCloneCopied(CloneCopied.getDefaultInstance()).build()));

        BatchTimeline timeline = timelines.timeline("tl");
        assertThat(timeline.clones().get(0).attempt()).isEqualTo(2);
        // copied at 14 s, the latest fact: waiting to start, for no time yet
        assertThat(timeline.clones().get(0).spans()).containsExactly(new BatchTimeline.Span(CloneStep.QUEUE, 10, 11, false),
                new BatchTimeline.Span(CloneStep.COPY, 11, 14, false), new BatchTimeline.Span(CloneStep.START, 14, 14, true));
        List<Long> nonEmpty = timeline.throughput().stream().map(BatchTimeline.ThroughputPoint::bytes)
                .filter(bytes -> bytes > 0).toList();
        assertThat(nonEmpty).containsExactly(50 * MIB, 40 * MIB, 60 * MIB);
        assertThat(timeline.throughputBytes()).isEqualTo(50 * MIB + store.batch("tl").bytesDone());
    }

    /** Two hours of copying fit in at most 240 buckets of a doubled width, each byte still in the bucket of its time. */
    @Test
    void longBatchWidensItsBucketsWithoutMovingAByte() {
        fold(at(0, events.planned("LNXL", 13 * 10 * MIB)), at(0, events.copyStarted("LNXL", 13 * 10 * MIB)));
        for (int minute = 10; minute <= 120; minute += 10) {
            fold(at(minute * 60.0, progress("LNXL", "0200", minute * MIB)));
        }

        BatchTimeline timeline = timelines.timeline("tl");
        // 7,200 s: 16 s buckets would take 451, 32 s buckets take 226
        assertThat(timeline.bucketSeconds()).isEqualTo(32);
        assertThat(timeline.throughput()).hasSize(226);
        assertThat(timeline.throughputBytes()).isEqualTo(120 * MIB).isEqualTo(store.batch("tl").bytesDone());
        for (BatchTimeline.ThroughputPoint point : timeline.throughput()) {
            long offset = Math.round(point.offsetSeconds());
            long nextMark = (offset + 599) / 600 * 600;
            long expected = nextMark > 0 && nextMark < offset + 32 ? 10 * MIB : 0; // it holds a ten-minute mark
            assertThat(point.bytes()).as("bucket at %d s", offset).isEqualTo(expected);
            assertThat(point.bytesPerSecond()).isCloseTo(expected / 32.0, within(1e-6));
        }
    }

    /** A fact older than all others, folded last (another partition), moves the start back but no byte in time. */
    @Test
    void earlierFactFoldedLastMovesTheStartButNoByte() {
        fold(at(10, events.planned("LNXA", 100 * MIB)), at(11, events.copyStarted("LNXA", 100 * MIB)),
                at(12, progress("LNXA", "0200", 50 * MIB)), at(13.5, progress("LNXA", "0200", 100 * MIB)));
        fold(at(7.2, events.batchPlanned(2)));
        BatchTimeline timeline = timelines.timeline("tl");
        assertThat(timeline.start()).isEqualTo(T0.plusSeconds(7));
        assertThat(timeline.throughput()).extracting(BatchTimeline.ThroughputPoint::bytes)
                .containsExactly(0L, 0L, 0L, 0L, 0L, 50 * MIB, 50 * MIB);

        // ten minutes earlier still: 4 s buckets from T0 - 592 s (T0 is a multiple of 32 s since the epoch)
        fold(at(-590, events.planned("LNXB", 100 * MIB)));
        timeline = timelines.timeline("tl");
        assertThat(timeline.bucketSeconds()).isEqualTo(4);
        assertThat(timeline.start()).isEqualTo(T0.minusSeconds(592));
        assertThat(timeline.throughput()).hasSize(152);
        assertThat(timeline.throughput().stream().filter(p -> p.bytes() > 0).toList())
                .containsExactly(new BatchTimeline.ThroughputPoint(604, 100 * MIB, 25.0 * MIB));
        assertThat(stepsOf(timeline, "LNXA")).containsEntry(CloneStep.QUEUE, 1.0);
        assertThat(timeline.clones().get(0).spans().get(0).fromSeconds()).isEqualTo(602.0); // LNXA planned at 10 s
    }

    /** The facts of several clones come from several partitions: another interleaving folds to the same timeline. */
    @Test
    void anotherInterleavingOfTheClonesFactsGivesTheSameTimeline() {
        List<CloneEvent> a = lifeOf("LNXA", 0, 2, 12, 15, 45, 52, 71);
        List<CloneEvent> b = lifeOf("LNXB", 0, 3, 23, 24, 44, 50, 60);
        a.forEach(this::fold);
        b.forEach(this::fold);
        BatchTimeline clonesInTurn = timelines.timeline("tl");

        CloneStateStore otherStore = new CloneStateStore();
        BatchTimelines other = new BatchTimelines();
        for (int i = 0; i < a.size(); i++) { // b's and a's facts in turn, each clone's in its own order
            for (CloneEvent fact : List.of(b.get(i), a.get(i))) {
                other.onFolded(fact, otherStore.apply(fact), false);
            }
        }
        assertThat(other.timeline("tl")).isEqualTo(clonesInTurn);
    }

    /** The steps of one clone as step -> seconds, in order. */
    private static Map<CloneStep, Double> stepsOf(BatchTimeline timeline, String userid) {
        return timeline.clones().stream().filter(c -> c.userid().equals(userid)).findFirst().orElseThrow().spans()
                .stream().collect(Collectors.toMap(BatchTimeline.Span::step, BatchTimeline.Span::seconds, (x, y) -> x,
                        java.util.LinkedHashMap::new));
    }

    private void live(String userid, double planned, double copyStarted, double copied, double started,
            double agentStarted, double rebooting, double ready) {
        lifeOf(userid, planned, copyStarted, copied, started, agentStarted, rebooting, ready).forEach(this::fold);
    }

    /** A whole clone life with its milestones at the given seconds, and the facts between them. */
    private List<CloneEvent> lifeOf(String userid, double planned, double copyStarted, double copied, double started,
            double agentStarted, double rebooting, double ready) {
        List<CloneEvent> life = new ArrayList<>();
        life.add(at(planned, events.planned(userid, 64 * MIB)));
        life.add(at(copyStarted, events.copyStarted(userid, 64 * MIB)));
        life.add(at((copyStarted + copied) / 2, progress(userid, "0200", 32 * MIB)));
        life.add(at(copied - 0.5, events.diskCopied(userid, "0200", 64 * MIB)));
        life.add(at(copied, events.copied(userid)));
        life.add(at(copied + 0.2, events.startRequested(userid)));
        life.add(at(started, events.started(userid)));
        life.add(at(agentStarted, events.agentStarted(userid)));
        life.add(at(agentStarted + 1, events.identified(userid)));
        life.add(at(agentStarted + 2, events.configured(userid)));
        life.add(at(rebooting, events.rebooting(userid)));
        life.add(at(ready - 1, events.base(userid, 0).setAgentStarted(AgentStarted.newBuilder().setMode("report-ready")
                .setBoot(2)).build()));
        life.add(at(ready, events.ready(userid)));
        return life;
    }
}
