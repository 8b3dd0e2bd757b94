package org.clonefarm.coordinator.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.state.TestEvents;
import org.junit.jupiter.api.Test;

/** What {@code clonefarm watch} draws for a batch in the middle of its copy. */
class BatchProgressViewTest {

    /** The terminal frame has the bar with bytes, rate and ETA, the counts, and one line per active clone only. */
    @Test
    void frameShowsBarCountsAndOnlyActiveClones() {
        CloneStateStore store = new CloneStateStore();
        TestEvents events = new TestEvents("view");
        store.apply(events.batchPlanned(3));
        long mib = 1024 * 1024;
        for (String u : List.of("LINUX001", "LINUX002", "LINUX003")) {
            store.apply(events.planned(u, 100 * mib));
            store.apply(events.copyStarted(u, 100 * mib));
        }
        store.apply(events.progress("LINUX001", "0200", 50 * mib));
        store.apply(events.diskCopied("LINUX002", "0200", 100 * mib));
        store.apply(events.copied("LINUX002"));
        store.apply(events.startRequested("LINUX002"));
        store.apply(events.agentStarted("LINUX002"));
        store.apply(events.rebooting("LINUX002"));
        store.apply(events.ready("LINUX002"));
        BatchThroughput.Rate rate = new BatchThroughput.Rate(10.0 * mib, 150 * mib, 300 * mib, Duration.ofSeconds(15));

        List<String> frame = BatchProgressView.frame(store.batch("view"), rate, store.clonesOf("view"), 100, 20);

        assertThat(frame.get(0)).startsWith("batch view [").contains("]  50%  150.0 MiB / 300.0 MiB  10.0 MiB/s  ETA 0:15");
        assertThat(frame.get(0)).hasSizeLessThanOrEqualTo(100);
        assertThat(frame.get(1)).isEqualTo("  COPYING 2  READY 1   1/3 finished");
        assertThat(frame).hasSize(4);
        assertThat(frame.get(2)).startsWith("  LINUX001 COPYING    copy").endsWith("[##########..........]  50%");
        assertThat(frame.get(3)).startsWith("  LINUX003 COPYING    copy").endsWith("   0%");
        assertThat(BatchProgressView.summaryLine(store.batch("view"), rate))
                .isEqualTo("view 50% 150.0 MiB/300.0 MiB 10.0 MiB/s ETA 0:15 | COPYING 2  READY 1 | 1/3 finished");
    }

    /** The line redrawn in place by {@code demo} puts the bar, clones finished and counts before bytes and rate. */
    @Test
    void lineShowsCountsBeforeBytesAndRate() {
        CloneStateStore store = new CloneStateStore();
        TestEvents events = new TestEvents("line");
        store.apply(events.batchPlanned(2));
        long mib = 1024 * 1024;
        for (String u : List.of("LINUX001", "LINUX002")) {
            store.apply(events.planned(u, 100 * mib));
            store.apply(events.copyStarted(u, 100 * mib));
        }
        store.apply(events.progress("LINUX001", "0200", 50 * mib));
        BatchThroughput.Rate rate = new BatchThroughput.Rate(5.0 * mib, 50 * mib, 200 * mib, Duration.ofSeconds(30));

        assertThat(BatchProgressView.line(store.batch("line"), rate)).isEqualTo(
                "[#####...............]  25%  0/2 finished  COPYING 2  |  50.0 MiB/200.0 MiB  5.0 MiB/s ETA 0:30");
        assertThat(BatchProgressView.rate(rate)).isEqualTo("5.0 MiB/s ETA 0:30");
    }

    /** With more active clones than lines, the frame says how many it left out. */
    @Test
    void frameCountsTheActiveClonesItLeavesOut() {
        CloneStateStore store = new CloneStateStore();
        TestEvents events = new TestEvents("many");
        for (int i = 1; i <= 30; i++) {
            store.apply(events.planned(String.format("LNX%05d", i), 1000));
        }
        List<String> frame = BatchProgressView.frame(store.batch("many"),
                new BatchThroughput.Rate(0, 0, 30_000, null), store.clonesOf("many"), 80, 5);
        assertThat(frame).hasSize(2 + 5 + 1);
        assertThat(frame.get(0)).contains("ETA -");
        assertThat(frame.get(7)).isEqualTo("  ... and 25 more active clones");
    }
}
