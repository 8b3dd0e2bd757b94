package org.clonefarm.coordinator.watch;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.clonefarm.proto.CloneState;

/**
 * One batch's life in pictures, as {@link BatchTimelines} folded it from the events: the bytes copied
 * over time, and how long each clone spent in each {@link CloneStep}. Every time is an event's own
 * time, every offset is in seconds after {@link #start()}. Immutable.
 *
 * @param batchId the batch
 * @param start where the time axis begins: the start of the throughput bucket that holds the batch's
 *     earliest event (at most one bucket before that event)
 * @param end the time of the batch's latest event
 * @param bucketSeconds the width of one throughput bucket: 1 s, doubled as often as needed to keep
 *     the batch's life within {@link BatchTimelines#MAX_BUCKETS} buckets
 * @param throughput one point per bucket from {@code start} to {@code end}, empty buckets included
 * @param steps the distribution of each step's duration over the clones that finished it, every step
 *     in order
 * @param plannedToReady the distribution of the time from planned to READY over the READY clones
 * @param clones each clone's steps, in userid order
 */
public record BatchTimeline(String batchId, Instant start, Instant end, long bucketSeconds,
        List<ThroughputPoint> throughput, Map<CloneStep, Durations> steps, Durations plannedToReady,
        List<CloneTimeline> clones) {

    /**
     * The bytes that became durable during one bucket.
     *
     * @param offsetSeconds where the bucket begins, after {@code start}
     * @param bytes durable bytes added in the bucket, over every clone of the batch
     * @param bytesPerSecond {@code bytes} over the bucket's width
     */
    public record ThroughputPoint(double offsetSeconds, long bytes, double bytesPerSecond) {
    }

    /**
     * How long something took over a set of clones, in seconds. Percentiles are nearest-rank: the
     * median of 1, 2, 3, 4 is 2. All but {@code clones} are 0 when there is no clone.
     */
    public record Durations(int clones, double minSeconds, double medianSeconds, double p90Seconds,
            double maxSeconds, double meanSeconds) {
    }

    /**
     * One step of one clone on the time axis.
     *
     * @param open whether the step has not ended: the clone is in it (then {@code toSeconds} is the
     *     batch's latest event), or failed or was cancelled in it (then {@code toSeconds} is when)
     */
    public record Span(CloneStep step, double fromSeconds, double toSeconds, boolean open) {
        public double seconds() {
            return toSeconds - fromSeconds;
        }
    }

    /**
     * One clone's steps in its current attempt, in order; a step whose milestones are missing (a fact
     * that never came) is left out.
     *
     * @param plannedToReadySeconds planned to READY, or null when the clone is not READY
     */
    public record CloneTimeline(String userid, CloneState state, int attempt, List<Span> spans,
            Double plannedToReadySeconds) {
    }

    /** The bytes of every point: the durable bytes the batch's clones gained, every attempt counted. */
    public long throughputBytes() {
        long sum = 0;
        for (ThroughputPoint point : throughput) {
            sum += point.bytes();
        }
        return sum;
    }

    /** The highest bucket rate, 0 for a batch that copied nothing yet. */
    public double peakBytesPerSecond() {
        double peak = 0;
        for (ThroughputPoint point : throughput) {
            peak = Math.max(peak, point.bytesPerSecond());
        }
        return peak;
    }
}
