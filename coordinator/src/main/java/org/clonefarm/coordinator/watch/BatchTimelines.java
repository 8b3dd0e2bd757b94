package org.clonefarm.coordinator.watch;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.clonefarm.coordinator.service.EventFolder;
import org.clonefarm.coordinator.state.FoldOutcome;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CloneStatus;

/**
 * Folds the events into each batch's {@link BatchTimeline}: the bytes copied over time and the
 * time each clone spent in each {@link CloneStep}. A listener of the coordinator's fold (the
 * {@code EventHub} passes every event on), so it sees exactly the facts the state store applied:
 * duplicates and facts of a stale attempt never count.
 *
 * <p><b>Throughput.</b> Each applied fact that raises a clone's durable bytes (the store's
 * {@code progress.bytes_done}: CopyProgress, DiskCopied, CloneCopied) adds the rise to the bucket
 * of the fact's time. Buckets are aligned to the epoch and 1 s wide; when a batch's life (earliest to
 * latest event) would need more than {@link #MAX_BUCKETS}, their width doubles and pairs merge, so
 * no byte moves to another time and memory stays bounded however long a batch lives. Without
 * retries the bytes of every bucket add up to the batch's bytes done; a retry starts a clone's
 * bytes from zero, and the new attempt's bytes count again, because they were copied again.
 *
 * <p><b>Steps.</b> Per clone, the time of the first fact of each milestone in its current attempt
 * (see {@link CloneStep}); a retry starts over. Once a clone is READY its milestones stay as they
 * are: a read-only-root clone runs the agent again at every boot.
 *
 * <p>Everything comes from the events' own timestamps, so a replay of the topic gives the same
 * timelines, and facts of one batch may arrive in any order across partitions. Facts without a time
 * are left out.
 *
 * <p>Thread-safety: {@link #onFolded} from the folding thread only; {@link #timeline} from any
 * thread (each batch is guarded by its own lock).
 */
public final class BatchTimelines implements EventFolder.Listener {
    /** The most throughput buckets a batch keeps. */
    public static final int MAX_BUCKETS = 240;
    private static final long FIRST_BUCKET_MILLIS = 1000;

    private final Map<String, Batch> batches = new ConcurrentHashMap<>();

    @Override
    public void onFolded(CloneEvent event, FoldOutcome outcome, boolean live) {
        if (outcome.kind() != FoldOutcome.Kind.APPLIED && outcome.kind() != FoldOutcome.Kind.BATCH) {
            return;
        }
        if (!event.hasTime()) {
            return;
        }
        Batch batch = batches.computeIfAbsent(event.getBatchId(), b -> new Batch());
        batch.record(event, outcome.status(), millis(event.getTime()));
    }

    /** The batch's timeline now, or null when no event of it was folded. */
    public BatchTimeline timeline(String batchId) {
        Batch batch = batches.get(batchId);
        return batch == null ? null : batch.snapshot(batchId);
    }

    /** The time in epoch milliseconds, floored (a Timestamp's nanos are never negative). */
    private static long millis(Timestamp time) {
        return time.getSeconds() * 1000 + time.getNanos() / 1_000_000;
    }

    /** The milestones of a clone's attempt, in the order of its life; step i runs from milestone i. */
    private enum Milestone {
        PLANNED, COPY_STARTED, COPIED, GUEST_STARTED, AGENT_STARTED, REBOOTING, READY
    }

    /** One clone's milestones (epoch millis, -1 = not yet) and bytes so far; guarded by its batch. */
    private static final class CloneMarks {
        final long[] at = new long[Milestone.values().length];
        long endedAt = -1; // failed or cancelled
        long bytesDone;
        CloneState state = CloneState.CLONE_STATE_UNSPECIFIED;
        int attempt;

        CloneMarks() {
            Arrays.fill(at, -1);
        }

        CloneMarks copy() {
            CloneMarks copy = new CloneMarks();
            System.arraycopy(at, 0, copy.at, 0, at.length);
            copy.endedAt = endedAt;
            copy.bytesDone = bytesDone;
            copy.state = state;
            copy.attempt = attempt;
            return copy;
        }

        void mark(Milestone milestone, long millis) {
            if (at[Milestone.READY.ordinal()] >= 0) {
                return; // done: a read-only-root clone's later boots are not steps of this attempt
            }
            if (at[milestone.ordinal()] < 0) {
                at[milestone.ordinal()] = millis;
            }
        }

        void restart(long millis) {
            Arrays.fill(at, -1);
            endedAt = -1;
            at[Milestone.PLANNED.ordinal()] = millis;
        }

        long at(Milestone milestone) {
            return at[milestone.ordinal()];
        }

        /** The milestone that ends {@code step}: the next one; finalize ends at READY when no reboot came. */
        long endOf(CloneStep step) {
            if (step == CloneStep.FINALIZE && at(Milestone.REBOOTING) < 0) {
                return at(Milestone.READY);
            }
            return at[step.ordinal() + 1];
        }

        int latestMilestone() {
            for (int i = at.length - 1; i >= 0; i--) {
                if (at[i] >= 0) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** One batch's fold; every method holds its lock. */
    private static final class Batch {
        private long bucketMillis = FIRST_BUCKET_MILLIS;
        private long earliest = Long.MAX_VALUE;
        private long latest = Long.MIN_VALUE;
        /** Bytes per bucket; {@code bytes[i]} is bucket {@code firstBucket + i}, and firstBucket holds {@code earliest}. */
        private long[] bytes = new long[MAX_BUCKETS];
        private long firstBucket;
        private final Map<String, CloneMarks> clones = new HashMap<>();

        synchronized void record(CloneEvent event, CloneStatus status, long millis) {
            if (latest < earliest) {
                earliest = millis;
                latest = millis;
                firstBucket = Math.floorDiv(millis, bucketMillis);
            } else if (millis < earliest || millis > latest) {
                earliest = Math.min(earliest, millis);
                latest = Math.max(latest, millis);
                fitBuckets();
            }
            if (event.getUserid().isEmpty() || status == null) {
                return; // a batch fact: it only spans the time axis
            }
            CloneMarks clone = clones.computeIfAbsent(event.getUserid(), u -> new CloneMarks());
            long done = status.getProgress().getBytesDone();
            if (done > clone.bytesDone) {
                bytes[(int) (Math.floorDiv(millis, bucketMillis) - firstBucket)] += done - clone.bytesDone;
            }
            clone.bytesDone = done; // falls to 0 on a retry: the next attempt's bytes count from there
            clone.state = status.getState();
            clone.attempt = status.getAttempt();
            switch (event.getFactCase()) {
                case CLONE_PLANNED -> clone.mark(Milestone.PLANNED, millis);
                case RETRY_REQUESTED -> clone.restart(millis);
                case COPY_STARTED, COPY_PROGRESS, DISK_COPIED -> clone.mark(Milestone.COPY_STARTED, millis);
                case CLONE_COPIED -> clone.mark(Milestone.COPIED, millis);
                case GUEST_STARTED -> clone.mark(Milestone.GUEST_STARTED, millis);
                case AGENT_STARTED, IDENTIFIED, CONFIG_READ, CONFIGURED, FINALIZE_MARKER_REMOVED ->
                        clone.mark(Milestone.AGENT_STARTED, millis);
                case REBOOTING -> clone.mark(Milestone.REBOOTING, millis);
                case READY -> clone.mark(Milestone.READY, millis);
                case COPY_FAILED, AGENT_FAILED, CLONE_FAILED, CANCELLED -> {
                    if (clone.endedAt < 0 && clone.at(Milestone.READY) < 0) {
                        clone.endedAt = millis;
                    }
                }
                default -> {
                    // GuestStartRequested, RequestRejected: no milestone
                }
            }
        }

        /**
         * Makes the buckets hold earliest to latest again: doubles their width while the span needs more than
         * {@link #MAX_BUCKETS} (bucket k of the old width lies in bucket floor(k / 2) of the new, so no byte
         * changes its time), then moves the bytes up when an earlier fact moved the first bucket back.
         */
        private void fitBuckets() {
            while (Math.floorDiv(latest, bucketMillis) - Math.floorDiv(earliest, bucketMillis) + 1 > MAX_BUCKETS) {
                long[] wider = new long[MAX_BUCKETS];
                long widerFirst = Math.floorDiv(firstBucket, 2);
                for (int i = 0; i < bytes.length; i++) {
                    wider[(int) (Math.floorDiv(firstBucket + i, 2) - widerFirst)] += bytes[i];
                }
                bytes = wider;
                firstBucket = widerFirst;
                bucketMillis *= 2;
            }
            long wantedFirst = Math.floorDiv(earliest, bucketMillis);
            if (wantedFirst < firstBucket) {
                int shift = (int) (firstBucket - wantedFirst);
                long[] moved = new long[MAX_BUCKETS];
                // every byte lies between earliest and latest, which now fit: nothing falls off the end
                System.arraycopy(bytes, 0, moved, shift, MAX_BUCKETS - shift);
                bytes = moved;
                firstBucket = wantedFirst;
            }
        }

        /**
         * The batch's timeline, or null in the moment between its creation and its first fact. Only the
         * copy of the raw state holds the lock: the fold waits for no reader's arithmetic.
         */
        BatchTimeline snapshot(String batchId) {
            long bucketMillis;
            long earliest;
            long latest;
            long[] bytesByBucket;
            TreeMap<String, CloneMarks> clones = new TreeMap<>();
            synchronized (this) {
                if (this.latest < this.earliest) {
                    return null;
                }
                bucketMillis = this.bucketMillis;
                earliest = this.earliest;
                latest = this.latest;
                bytesByBucket = Arrays.copyOf(bytes, (int) (Math.floorDiv(latest, bucketMillis) - firstBucket) + 1);
                this.clones.forEach((userid, marks) -> clones.put(userid, marks.copy()));
            }
            long first = Math.floorDiv(earliest, bucketMillis);
            long last = Math.floorDiv(latest, bucketMillis);
            long origin = first * bucketMillis;
            List<BatchTimeline.ThroughputPoint> points = new ArrayList<>((int) (last - first + 1));
            for (long bucket = first; bucket <= last; bucket++) {
                long bytes = bytesByBucket[(int) (bucket - first)];
                points.add(new BatchTimeline.ThroughputPoint(seconds(bucket * bucketMillis - origin), bytes,
                        bytes * 1000.0 / bucketMillis));
            }
            Map<CloneStep, List<Double>> durations = new EnumMap<>(CloneStep.class);
            for (CloneStep step : CloneStep.values()) {
                durations.put(step, new ArrayList<>());
            }
            List<Double> toReady = new ArrayList<>();
            List<BatchTimeline.CloneTimeline> timelines = new ArrayList<>(clones.size());
            for (Map.Entry<String, CloneMarks> entry : clones.entrySet()) {
                CloneMarks clone = entry.getValue();
                List<BatchTimeline.Span> spans = spans(clone, origin, latest);
                for (BatchTimeline.Span span : spans) {
                    if (!span.open()) {
                        durations.get(span.step()).add(span.seconds());
                    }
                }
                Double plannedToReady = null;
                if (clone.at(Milestone.READY) >= 0 && clone.at(Milestone.PLANNED) >= 0) {
                    plannedToReady = seconds(Math.max(0, clone.at(Milestone.READY) - clone.at(Milestone.PLANNED)));
                    toReady.add(plannedToReady);
                }
                timelines.add(new BatchTimeline.CloneTimeline(entry.getKey(), clone.state, clone.attempt, spans,
                        plannedToReady));
            }
            Map<CloneStep, BatchTimeline.Durations> steps = new EnumMap<>(CloneStep.class);
            durations.forEach((step, values) -> steps.put(step, distribution(values)));
            return new BatchTimeline(batchId, Instant.ofEpochMilli(origin), Instant.ofEpochMilli(latest),
                    bucketMillis / 1000, List.copyOf(points), Collections.unmodifiableMap(steps),
                    distribution(toReady), List.copyOf(timelines));
        }

        /** A clone's finished steps, and the step it is in (or failed in) as an open span up to now (or then). */
        private static List<BatchTimeline.Span> spans(CloneMarks clone, long origin, long latest) {
            List<BatchTimeline.Span> spans = new ArrayList<>();
            int latestMilestone = clone.latestMilestone();
            for (CloneStep step : CloneStep.values()) {
                long from = clone.at[step.ordinal()];
                if (from < 0) {
                    continue;
                }
                long to = clone.endOf(step);
                boolean open = false;
                if (to < 0) {
                    if (step.ordinal() != latestMilestone) {
                        continue; // its end never came, yet a later milestone did: unknown, left out
                    }
                    open = true;
                    to = clone.endedAt >= 0 ? clone.endedAt : latest;
                }
                // clocks of worker, coordinator and guest may disagree a little: never a negative step
                to = Math.max(from, to);
                spans.add(new BatchTimeline.Span(step, seconds(from - origin), seconds(to - origin), open));
            }
            return List.copyOf(spans);
        }

        private static BatchTimeline.Durations distribution(List<Double> values) {
            if (values.isEmpty()) {
                return new BatchTimeline.Durations(0, 0, 0, 0, 0, 0);
            }
            double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double sum = 0;
            for (double value : sorted) {
                sum += value;
            }
            return new BatchTimeline.Durations(sorted.length, sorted[0], nearestRank(sorted, 0.5),
                    nearestRank(sorted, 0.9), sorted[sorted.length - 1], sum / sorted.length);
        }

        private static double nearestRank(double[] sorted, double quantile) {
            int rank = (int) Math.ceil(quantile * sorted.length);
            return sorted[Math.max(0, rank - 1)];
        }

        private static double seconds(long millis) {
            return millis / 1000.0;
        }
    }
}
