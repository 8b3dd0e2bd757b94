package org.clonefarm.coordinator.watch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Copy rate and ETA per batch, from the history of the batch's durable bytes.
 *
 * <p>Definition: every time the fold changes a batch's bytes done, a sample (wall time of the
 * watcher, bytes done) is recorded. The rate is the bytes copied over the last {@code window}
 * (default 30 s) divided by that window, where the bytes done at the window's start are those of the
 * last sample at or before it; while the batch is younger than the window, the span since its first
 * sample is used instead. A batch that stalls therefore sees its rate fall to zero within one window,
 * and a replay of old events (which all arrive within a moment) yields no rate for a finished batch.
 * ETA = bytes left / rate; absent while the rate is zero or nothing is left.
 *
 * <p>Thread-safety: {@link #record} from one thread (the fold), {@link #rate} from any.
 */
public final class BatchThroughput {
    /** The default sliding window. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(30);
    private static final long MIN_SAMPLE_GAP_NANOS = 200_000_000L;

    private final Clock clock;
    private final long windowNanos;
    private final Map<String, Samples> batches = new HashMap<>();

    /** Rate and ETA of one batch at one moment. */
    public record Rate(double bytesPerSecond, long bytesDone, long bytesTotal, Duration eta) {
        /** Whether an ETA can be given. */
        public boolean hasEta() {
            return eta != null;
        }

        /** This rate without an ETA: for a batch whose clones are all finished, bytes left or not (failed clones). */
        public Rate withoutEta() {
            return new Rate(bytesPerSecond, bytesDone, bytesTotal, null);
        }
    }

    public BatchThroughput() {
        this(Clock.systemUTC(), DEFAULT_WINDOW);
    }

    public BatchThroughput(Clock clock, Duration window) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive: " + window);
        }
        this.windowNanos = window.toNanos();
    }

    /** Records the batch's bytes done and total as the fold has them now. */
    public void record(String batchId, long bytesDone, long bytesTotal) {
        Samples samples;
        synchronized (batches) {
            samples = batches.computeIfAbsent(batchId, b -> new Samples());
        }
        samples.add(nanos(clock.instant()), bytesDone, bytesTotal, windowNanos);
    }

    /** The batch's rate and ETA now, from the last recorded bytes; a zero rate when the batch has no samples. */
    public Rate rate(String batchId) {
        return rate(batchId, -1, -1);
    }

    /**
     * The batch's rate and ETA now, taking {@code bytesDone} and {@code bytesTotal} as the batch's
     * current bytes (the store's, which may be newer than the last sample); -1 for the last sample's.
     */
    public Rate rate(String batchId, long bytesDone, long bytesTotal) {
        Samples samples;
        synchronized (batches) {
            samples = batches.get(batchId);
        }
        if (samples == null) {
            return new Rate(0, Math.max(0, bytesDone), Math.max(0, bytesTotal), null);
        }
        return samples.rate(nanos(clock.instant()), windowNanos, bytesDone, bytesTotal);
    }

    private static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    /** One batch's samples, oldest first; guarded by itself. */
    private static final class Samples {
        private final Deque<long[]> samples = new ArrayDeque<>(); // {nanos, bytesDone}
        private long bytesDone;
        private long bytesTotal;

        synchronized void add(long now, long done, long total, long window) {
            bytesDone = done;
            bytesTotal = total;
            long[] last = samples.peekLast();
            if (last != null && now - last[0] < MIN_SAMPLE_GAP_NANOS) {
                last[1] = done; // keep at most five samples a second
            } else {
                samples.addLast(new long[] {now, done});
            }
            // keep one sample at or before the window's start: it is the baseline
            while (samples.size() > 2) {
                long[] second = samples.stream().skip(1).findFirst().orElseThrow();
                if (second[0] <= now - window) {
                    samples.removeFirst();
                } else {
                    break;
                }
            }
        }

        synchronized Rate rate(long now, long window, long currentDone, long currentTotal) {
            long bytesDone = currentDone < 0 ? this.bytesDone : currentDone;
            long bytesTotal = currentTotal < 0 ? this.bytesTotal : currentTotal;
            long[] first = samples.peekFirst();
            if (first == null) {
                return new Rate(0, bytesDone, bytesTotal, null);
            }
            long start = Math.max(now - window, first[0]);
            long baseline = first[1];
            for (long[] sample : samples) {
                if (sample[0] <= start) {
                    baseline = sample[1];
                } else {
                    break;
                }
            }
            long span = now - start;
            double rate = span <= 0 ? 0 : Math.max(0, bytesDone - baseline) * 1e9 / span;
            long left = bytesTotal - bytesDone;
            Duration eta = rate > 0 && left > 0 ? Duration.ofMillis((long) Math.ceil(left * 1000.0 / rate)) : null;
            return new Rate(rate, bytesDone, bytesTotal, eta);
        }
    }
}
