package org.clonefarm.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.state.TestEvents;
import org.clonefarm.coordinator.watch.BatchThroughput;
import org.clonefarm.proto.CloneEvent;
import org.junit.jupiter.api.Test;

/** The hub's ring, resume and fan-out rules, driven by a real store's fold outcomes. */
class EventHubTest {

    private static final class Recorder implements EventHub.Subscriber {
        final List<EventHub.HubEvent> events = new ArrayList<>();
        final int capacity;
        final AtomicBoolean dropped = new AtomicBoolean();

        Recorder(int capacity) {
            this.capacity = capacity;
        }

        @Override
        public boolean offer(EventHub.HubEvent event) {
            if (events.size() >= capacity) {
                return false;
            }
            events.add(event);
            return true;
        }

        @Override
        public void dropped() {
            dropped.set(true);
        }
    }

    private static void fold(CloneStateStore store, EventHub hub, CloneEvent event) {
        hub.onFolded(event, store.apply(event), true);
    }

    /** A subscriber that cannot keep up is dropped and told; the others still get every event. */
    @Test
    void slowSubscriberIsDroppedWithoutHoldingBackTheOthers() {
        CloneStateStore store = new CloneStateStore();
        EventHub hub = new EventHub(store, new BatchThroughput(), 64);
        Recorder slow = new Recorder(3);
        Recorder fast = new Recorder(Integer.MAX_VALUE);
        hub.subscribe(null, e -> true, slow);
        hub.subscribe(null, e -> true, fast);
        TestEvents events = new TestEvents("hub");
        for (int i = 1; i <= 10; i++) {
            fold(store, hub, events.planned("LINUX" + (100 + i), 1000));
        }
        assertThat(slow.dropped).isTrue();
        assertThat(slow.events).hasSize(3);
        assertThat(fast.events).hasSize(10);
        assertThat(fast.events).extracting(EventHub.HubEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(hub.subscriberCount()).isEqualTo(1);
    }

    /** Resuming after an id replays what followed; an id the ring has moved past reports how many were missed. */
    @Test
    void resumeReplaysWhatFollowedAndCountsWhatTheRingLost() {
        CloneStateStore store = new CloneStateStore();
        EventHub hub = new EventHub(store, new BatchThroughput(), 16);
        Recorder first = new Recorder(Integer.MAX_VALUE);
        hub.subscribe(null, e -> true, first);
        TestEvents events = new TestEvents("ring");
        for (int i = 1; i <= 40; i++) {
            fold(store, hub, events.planned("LNX" + (1000 + i), 1000));
        }
        String run = first.events.get(0).id().substring(0, first.events.get(0).id().lastIndexOf('-'));

        Recorder recent = new Recorder(Integer.MAX_VALUE);
        EventHub.Subscription resumed = hub.subscribe(first.events.get(34).id(), e -> true, recent);
        assertThat(resumed.missed()).isZero();
        assertThat(recent.events).extracting(EventHub.HubEvent::seq).containsExactly(36L, 37L, 38L, 39L, 40L);

        Recorder late = new Recorder(Integer.MAX_VALUE);
        EventHub.Subscription gap = hub.subscribe(run + "-10", e -> true, late);
        assertThat(gap.missed()).isEqualTo(14); // 11..24 are gone, 25..40 kept (16)
        assertThat(late.events).first().extracting(EventHub.HubEvent::seq).isEqualTo(25L);

        Recorder foreign = new Recorder(Integer.MAX_VALUE);
        hub.subscribe("0abc-7", e -> true, foreign); // an id of an earlier coordinator run
        assertThat(foreign.events).hasSize(16);

        fold(store, hub, events.planned("LNX9999", 1000));
        assertThat(recent.events).last().extracting(EventHub.HubEvent::seq).isEqualTo(41L);
        resumed.cancel().run();
        fold(store, hub, events.planned("LNX9998", 1000));
        assertThat(recent.events).last().extracting(EventHub.HubEvent::seq).isEqualTo(41L);
    }

    /** Rate is the bytes of the last window over the window; it falls to zero when the copy stalls. */
    @Test
    void rateAndEtaComeFromTheSlidingWindowAndVanishWhenStalled() {
        MutableClock clock = new MutableClock();
        BatchThroughput throughput = new BatchThroughput(clock, Duration.ofSeconds(10));
        long total = 1000L * 1024 * 1024;
        for (int second = 0; second <= 20; second++) {
            throughput.record("b", second * 10L * 1024 * 1024, total); // 10 MiB/s
            clock.advance(Duration.ofSeconds(1));
        }
        clock.advance(Duration.ofSeconds(-1));
        BatchThroughput.Rate rate = throughput.rate("b");
        assertThat(rate.bytesPerSecond()).isBetween(9.9 * 1024 * 1024, 10.1 * 1024 * 1024);
        assertThat(rate.eta()).isBetween(Duration.ofSeconds(78), Duration.ofSeconds(80)); // 800 MiB left
        clock.advance(Duration.ofSeconds(15)); // no bytes for longer than the window
        assertThat(throughput.rate("b").bytesPerSecond()).isZero();
        assertThat(throughput.rate("b").hasEta()).isFalse();
        assertThat(throughput.rate("unknown").bytesPerSecond()).isZero();
    }

    private static final class MutableClock extends java.time.Clock {
        private java.time.Instant now = java.time.Instant.parse("2026-11-26T10:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return now;
        }
    }
}
