package org.clonefarm.coordinator.watch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.clonefarm.coordinator.state.BatchSummary;
import org.clonefarm.coordinator.state.CloneStateMachine;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CloneStatus;

/**
 * The text a watcher shows for one batch: an overall progress bar with bytes, rate and ETA, the
 * counts per state, and a line per active clone (neither READY, FAILED nor CANCELLED). Used by
 * {@code clonefarm watch}; pure functions of a snapshot, thread-safe.
 */
public final class BatchProgressView {
    private static final CloneState[] ORDER = {CloneState.CLONE_STATE_PLANNED, CloneState.CLONE_STATE_COPYING,
        CloneState.CLONE_STATE_COPIED, CloneState.CLONE_STATE_STARTING, CloneState.CLONE_STATE_FINALIZING,
        CloneState.CLONE_STATE_REBOOTING, CloneState.CLONE_STATE_READY, CloneState.CLONE_STATE_FAILED,
        CloneState.CLONE_STATE_CANCELLED};

    private BatchProgressView() {
    }

    /**
     * A full frame for a terminal of {@code width} columns, at most {@code maxClones} clone lines.
     */
    public static List<String> frame(BatchSummary batch, BatchThroughput.Rate rate, List<CloneStatus> clones,
            int width, int maxClones) {
        List<String> lines = new ArrayList<>();
        String tail = String.format(Locale.ROOT, " %3d%%  %s / %s  %s/s  ETA %s", percent(batch),
                bytes(batch.bytesDone()), bytes(batch.bytesTotal()), bytes((long) rate.bytesPerSecond()), eta(rate));
        String head = "batch " + batch.batchId() + " ";
        int barWidth = Math.max(10, width - head.length() - tail.length() - 2);
        lines.add(head + bar(fraction(batch), barWidth) + tail);
        lines.add("  " + counts(batch) + "   " + batch.finished() + "/" + batch.clones() + " finished");
        int shown = 0;
        int active = 0;
        for (CloneStatus clone : clones) {
            if (CloneStateMachine.isTerminal(clone.getState())) {
                continue;
            }
            active++;
            if (shown < maxClones) {
                long done = clone.getProgress().getBytesDone();
                long total = clone.getProgress().getBytesTotal();
                lines.add(String.format(Locale.ROOT, "  %-8s %-10s %-14s %s %3d%%", clone.getUserid(),
                        CloneStateMachine.simpleName(clone.getState()), clip(clone.getStep(), 14),
                        bar(total == 0 ? 0 : (double) done / total, 20), total == 0 ? 0 : done * 100 / total));
                shown++;
            }
        }
        if (active > shown) {
            lines.add("  ... and " + (active - shown) + " more active clones");
        }
        return lines;
    }

    /** One line for logs and pipes: progress, bytes, rate, ETA and counts. */
    public static String summaryLine(BatchSummary batch, BatchThroughput.Rate rate) {
        return String.format(Locale.ROOT, "%s %d%% %s/%s %s | %s | %d/%d finished", batch.batchId(),
                percent(batch), bytes(batch.bytesDone()), bytes(batch.bytesTotal()), rate(rate), counts(batch),
                batch.finished(), batch.clones());
    }

    /**
     * One line to redraw in place on a terminal, the batch's id left out: a short bar, percent, clones finished
     * and the counts first, bytes, rate and ETA after them (what a narrow terminal cuts off first).
     */
    public static String line(BatchSummary batch, BatchThroughput.Rate rate) {
        return String.format(Locale.ROOT, "%s %3d%%  %d/%d finished  %s  |  %s/%s  %s", bar(fraction(batch), 20),
                percent(batch), batch.finished(), batch.clones(), counts(batch), bytes(batch.bytesDone()),
                bytes(batch.bytesTotal()), rate(rate));
    }

    /** The part of the lines that moves all the time: {@code 12.5 MiB/s ETA 1:05}. */
    public static String rate(BatchThroughput.Rate rate) {
        return bytes((long) rate.bytesPerSecond()) + "/s ETA " + eta(rate);
    }

    /** {@code PLANNED 3  COPYING 4  READY 10}, states with no clone left out, in life order. */
    public static String counts(BatchSummary batch) {
        StringBuilder text = new StringBuilder();
        for (CloneState state : ORDER) {
            int count = batch.count(state);
            if (count > 0) {
                if (text.length() > 0) {
                    text.append("  ");
                }
                text.append(CloneStateMachine.simpleName(state)).append(' ').append(count);
            }
        }
        return text.length() == 0 ? "no clones yet" : text.toString();
    }

    /** Binary units with one decimal: {@code 1.5 GiB}. */
    public static String bytes(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** {@code 1:02:03}, {@code 4:05}, or {@code -} without an ETA. */
    public static String eta(BatchThroughput.Rate rate) {
        if (!rate.hasEta()) {
            return "-";
        }
        Duration eta = rate.eta();
        long h = eta.toHours();
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, eta.toMinutesPart(), eta.toSecondsPart())
                : String.format(Locale.ROOT, "%d:%02d", eta.toMinutesPart(), eta.toSecondsPart());
    }

    private static double fraction(BatchSummary batch) {
        if (batch.bytesTotal() > 0) {
            return (double) batch.bytesDone() / batch.bytesTotal();
        }
        return batch.clones() == 0 ? 0 : (double) batch.finished() / batch.clones();
    }

    private static int percent(BatchSummary batch) {
        return (int) Math.floor(fraction(batch) * 100);
    }

    private static String bar(double fraction, int width) {
        int filled = (int) Math.round(Math.max(0, Math.min(1, fraction)) * width);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    private static String clip(String text, int width) {
        return text.length() <= width ? text : text.substring(0, width - 1) + "~";
    }
}
