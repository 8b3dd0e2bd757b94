package org.clonefarm.coordinator.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.clonefarm.coordinator.service.EventFolder;
import org.clonefarm.coordinator.state.BatchSummary;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.state.FoldOutcome;
import org.clonefarm.coordinator.watch.BatchThroughput;
import org.clonefarm.coordinator.watch.BatchTimelines;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneStatus;

/**
 * The recent events of the fold, for server-sent events: a bounded ring of the last {@code capacity}
 * folded events (applied and batch facts; duplicates and ignored facts are left out), each with a
 * sequence number that only grows, fanned out to subscribers.
 *
 * <p>Event ids are {@code <run>-<seq>}: {@code run} is random per hub (per coordinator start), so a
 * {@code Last-Event-ID} from before a restart is recognised as foreign and answered with the whole
 * ring instead of a wrong resume.
 *
 * <p><b>Slow subscribers are dropped, the fold never waits.</b> {@link Subscriber#offer} is called on
 * the folding thread and must not block; a subscriber that answers {@code false} (its bounded queue
 * is full) is removed and told through {@link Subscriber#dropped}. The SSE endpoint then closes the
 * connection; the browser's EventSource reconnects with {@code Last-Event-ID} and resumes from the
 * ring (or learns of a gap when the ring has moved past it).
 *
 * <p>The hub also records every batch's bytes into its {@link BatchThroughput}, so rate and ETA come
 * with it, and passes every event it keeps to its {@link BatchTimelines}, the dashboard's pictures
 * (throughput over time, time per step). Thread-safety: {@link #onFolded} from the folding thread only; everything else from any.
 */
public final class EventHub implements EventFolder.Listener {
    /** The default ring size. */
    public static final int DEFAULT_CAPACITY = 4096;
    private static final long SAMPLE_INTERVAL_NANOS = 100_000_000L;

    private final CloneStateStore store;
    private final BatchThroughput throughput;
    private final BatchTimelines timelines = new BatchTimelines();
    private final HubEvent[] ring;
    private final String run = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 16);
    private final List<Registration> subscribers = new CopyOnWriteArrayList<>();
    private final java.util.Map<String, Long> lastSampleNanos = new java.util.HashMap<>();
    private long nextSeq = 1;

    /**
     * One event as the hub keeps it: its sequence and id, the fact, and the clone's status after it
     * (null for batch facts). Its wire form is rendered once and shared by every subscriber.
     */
    public static final class HubEvent {
        private final long seq;
        private final String id;
        private final CloneEvent event;
        private final CloneStatus status;
        private volatile String rendered;

        HubEvent(long seq, String id, CloneEvent event, CloneStatus status) {
            this.seq = seq;
            this.id = id;
            this.event = event;
            this.status = status;
        }

        public long seq() {
            return seq;
        }

        public String id() {
            return id;
        }

        public CloneEvent event() {
            return event;
        }

        public CloneStatus status() {
            return status;
        }

        /** The rendering of this event, computed by the first caller and kept (a benign race renders twice at most). */
        public String rendered(java.util.function.Function<HubEvent, String> renderer) {
            String text = rendered;
            if (text == null) {
                text = renderer.apply(this);
                rendered = text;
            }
            return text;
        }
    }

    /** A consumer of hub events; see the class comment for the rules. */
    public interface Subscriber {
        /** Takes one event without blocking; {@code false} = cannot keep up (the subscriber is dropped). */
        boolean offer(HubEvent event);

        /** The hub dropped this subscriber: it is slow. Called once, on the folding thread. */
        void dropped();
    }

    /** What a subscribe did. */
    public record Subscription(int replayed, long missed, Runnable cancel) {
    }

    private record Registration(Subscriber subscriber, Predicate<HubEvent> filter) {
    }

    public EventHub(CloneStateStore store, BatchThroughput throughput, int capacity) {
        this.store = Objects.requireNonNull(store, "store");
        this.throughput = Objects.requireNonNull(throughput, "throughput");
        if (capacity < 16) {
            throw new IllegalArgumentException("ring capacity must be at least 16: " + capacity);
        }
        this.ring = new HubEvent[capacity];
    }

    public EventHub(CloneStateStore store) {
        this(store, new BatchThroughput(), DEFAULT_CAPACITY);
    }

    public BatchThroughput throughput() {
        return throughput;
    }

    public CloneStateStore store() {
        return store;
    }

    /** Every batch's throughput over time and time per step, folded from the events the hub keeps. */
    public BatchTimelines timelines() {
        return timelines;
    }

    @Override
    public void onFolded(CloneEvent event, FoldOutcome outcome, boolean live) {
        if (outcome.kind() != FoldOutcome.Kind.APPLIED && outcome.kind() != FoldOutcome.Kind.BATCH) {
            return;
        }
        sampleThroughput(event.getBatchId());
        timelines.onFolded(event, outcome, live);
        List<Registration> slow = null;
        synchronized (ring) {
            long seq = nextSeq++;
            HubEvent hubEvent = new HubEvent(seq, run + "-" + seq, event, outcome.status());
            ring[(int) (seq % ring.length)] = hubEvent;
            for (Registration registration : subscribers) {
                if (registration.filter().test(hubEvent) && !registration.subscriber().offer(hubEvent)) {
                    if (slow == null) {
                        slow = new ArrayList<>();
                    }
                    slow.add(registration);
                }
            }
            if (slow != null) {
                subscribers.removeAll(slow);
            }
        }
        if (slow != null) {
            slow.forEach(registration -> registration.subscriber().dropped());
        }
    }

    /** Records the batch's bytes for rate and ETA, at most every 100 ms per batch: a summary costs a copy. */
    private void sampleThroughput(String batchId) {
        long now = System.nanoTime();
        Long last = lastSampleNanos.get(batchId);
        if (last != null && now - last < SAMPLE_INTERVAL_NANOS) {
            return;
        }
        lastSampleNanos.put(batchId, now);
        BatchSummary batch = store.batch(batchId);
        if (batch != null) {
            throughput.record(batchId, batch.bytesDone(), batch.bytesTotal());
        }
    }

    /**
     * Subscribes; the events after {@code lastEventId} still in the ring are offered first (all of
     * them when the id is from another run), then live ones, with no gap and no repeat in between.
     *
     * @param lastEventId the id of the last event the client has, or null for live events only
     * @return how many were replayed, how many the ring no longer held ({@code missed}), and how to cancel
     */
    public Subscription subscribe(String lastEventId, Predicate<HubEvent> filter, Subscriber subscriber) {
        Registration registration = new Registration(subscriber, filter);
        int replayed = 0;
        long missed = 0;
        boolean tooSlow = false;
        synchronized (ring) {
            long last = nextSeq - 1;
            long oldest = Math.max(1, last - ring.length + 1);
            long from = last + 1;
            if (lastEventId != null) {
                long resumeAfter = parse(lastEventId);
                from = resumeAfter < 0 ? oldest : resumeAfter + 1;
                if (from < oldest) {
                    missed = oldest - from;
                    from = oldest;
                }
            }
            for (long seq = from; seq <= last; seq++) {
                HubEvent hubEvent = ring[(int) (seq % ring.length)];
                if (filter.test(hubEvent)) {
                    if (!subscriber.offer(hubEvent)) {
                        tooSlow = true;
                        break;
                    }
                    replayed++;
                }
            }
            if (!tooSlow) {
                subscribers.add(registration);
            }
        }
        if (tooSlow) {
            subscriber.dropped();
        }
        return new Subscription(replayed, missed, () -> subscribers.remove(registration));
    }

    /** The sequence in an id of this run, or -1 for an id of another run or no id at all. */
    private long parse(String id) {
        int dash = id.lastIndexOf('-');
        if (dash <= 0 || !id.substring(0, dash).equals(run)) {
            return -1;
        }
        try {
            return Long.parseLong(id.substring(dash + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Subscribers now connected. */
    public int subscriberCount() {
        return subscribers.size();
    }

    /** The sequence of the last event kept, 0 before the first. */
    public long lastSeq() {
        synchronized (ring) {
            return nextSeq - 1;
        }
    }
}
