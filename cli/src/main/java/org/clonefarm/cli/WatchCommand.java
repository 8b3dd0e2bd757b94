package org.clonefarm.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.clonefarm.cli.console.Invocation;
import org.clonefarm.coordinator.service.EventFolder;
import org.clonefarm.coordinator.state.BatchSummary;
import org.clonefarm.coordinator.state.CloneStateMachine;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.state.FoldOutcome;
import org.clonefarm.coordinator.watch.BatchProgressView;
import org.clonefarm.coordinator.watch.BatchThroughput;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CloneStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code clonefarm watch [BATCH]}: follows a batch live, straight from the events topic, with a
 * read-only fold of its own (it publishes nothing and commits no offsets, so any number of watchers
 * may run). On a terminal it redraws a progress bar, counts per state and a line per active clone;
 * when stdout is not a terminal it prints plain lines: one per clone state change and a summary line
 * when the numbers move. It exits when the batch completes: 0 when every clone is READY, 1 otherwise.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {
            "Follow a batch live from the events topic: overall progress bar with rate and ETA, counts per",
            "state, a line per active clone (plain lines when the output is not a terminal).",
            "Exits when the batch completes: 0 when every clone is READY, 1 when any clone FAILED or was",
            "CANCELLED, or when --timeout passes first."
        })
public final class WatchCommand implements Callable<Integer> {
    private static final int MAX_CLONE_LINES = 20;

    @Parameters(index = "0", arity = "0..1", paramLabel = "BATCH",
            description = "The batch to follow (default: the batch planned last).")
    String batchId;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    DataDirectoryOption data;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0",
            description = "Give up after this many seconds and exit 1; 0 waits for ever (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--refresh", paramLabel = "MILLIS", defaultValue = "500",
            description = "How often the view is redrawn, 100-10000 ms (default: ${DEFAULT-VALUE}).")
    long refreshMillis;

    /** What the fold tells the main thread; written by the folding thread only. */
    private static final class Observer implements EventFolder.Listener {
        final CloneStateStore store;
        final BatchThroughput throughput = new BatchThroughput();
        final Map<String, CloneState> lastState = new HashMap<>();
        final Queue<String> transitions = new ConcurrentLinkedQueue<>();
        final Map<String, Long> lastSampleNanos = new HashMap<>();
        volatile String latestBatch;
        volatile String followed;

        Observer(CloneStateStore store) {
            this.store = store;
        }

        @Override
        public void onFolded(CloneEvent event, FoldOutcome outcome, boolean live) {
            if (event.getFactCase() == CloneEvent.FactCase.BATCH_PLANNED) {
                latestBatch = event.getBatchId();
            }
            if (outcome.kind() != FoldOutcome.Kind.APPLIED && outcome.kind() != FoldOutcome.Kind.BATCH) {
                return;
            }
            long now = System.nanoTime();
            Long last = lastSampleNanos.get(event.getBatchId());
            if (last == null || now - last >= 100_000_000L) { // a summary costs a copy: at most ten a second
                lastSampleNanos.put(event.getBatchId(), now);
                BatchSummary batch = store.batch(event.getBatchId());
                if (batch != null) {
                    throughput.record(batch.batchId(), batch.bytesDone(), batch.bytesTotal());
                }
            }
            CloneStatus status = outcome.status();
            if (status != null && status.getState() != lastState.put(status.getUserid(), status.getState())
                    && event.getBatchId().equals(followed)) {
                String line = status.getUserid() + " " + CloneStateMachine.simpleName(status.getState())
                        + " (" + status.getStep() + ")";
                if (status.hasLastError() && status.getState() == CloneState.CLONE_STATE_FAILED) {
                    line += ": " + status.getLastError().getReason();
                }
                transitions.add(line);
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        if (timeoutSeconds < 0) {
            throw UserError.usage("--timeout " + timeoutSeconds + " must be 0 (no limit) or a number of seconds.");
        }
        if (refreshMillis < 100 || refreshMillis > 10_000) {
            throw UserError.usage("--refresh " + refreshMillis + " must be 100-10000 milliseconds.");
        }
        FarmConnection connection = FarmConnection.open(kafka, data.path());
        KafkaSettings settings = connection.settings();
        TopicLayout layout = connection.layout();
        long deadline = timeoutSeconds == 0 ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        boolean terminal = System.console() != null;
        PrintStream out = System.out;
        CloneStateStore store = new CloneStateStore();
        Observer observer = new Observer(store);
        observer.followed = batchId;
        try (EventFolder folder = new EventFolder(settings, layout, store, null,
                "clonefarm-watch-" + ProcessHandle.current().pid(), observer)) {
            awaitCatchUp(folder, settings, layout, deadline);
            String batch = chooseBatch(observer, store, deadline, out);
            observer.followed = batch;
            return follow(batch, observer, store, terminal, out, deadline);
        }
    }

    private static void awaitCatchUp(EventFolder folder, KafkaSettings settings, TopicLayout layout, long deadline)
            throws InterruptedException {
        long waitNanos = Math.min(deadline - System.nanoTime(), TimeUnit.SECONDS.toNanos(90));
        try {
            folder.start().get(Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new UserError("could not read " + layout.events() + " from " + settings.bootstrapServers()
                    + " in time. Check that the cluster is up and the topic prefix is right.", e);
        } catch (ExecutionException e) {
            throw new UserError("cannot read " + layout.events() + " from " + settings.bootstrapServers() + ": "
                    + e.getCause().getMessage() + ". Check the cluster address and the topic prefix.", e.getCause());
        }
    }

    private String chooseBatch(Observer observer, CloneStateStore store, long deadline, PrintStream out)
            throws InterruptedException {
        String wanted = batchId;
        boolean told = false;
        while (true) {
            String candidate = wanted != null ? wanted : observer.latestBatch;
            if (candidate != null && store.batch(candidate) != null) {
                return candidate;
            }
            if (!told) {
                out.println(wanted == null ? "waiting for a batch to be planned"
                        : "waiting for batch " + wanted + " to be planned");
                out.flush();
                told = true;
            }
            if (System.nanoTime() > deadline) {
                throw new UserError(wanted == null ? "no batch was planned within --timeout " + timeoutSeconds + " s."
                        : "batch " + wanted + " was not planned within --timeout " + timeoutSeconds
                        + " s. Check the batch name (" + Invocation.command("watch") + " without BATCH follows the latest).");
            }
            Thread.sleep(100);
        }
    }

    private int follow(String batch, Observer observer, CloneStateStore store, boolean terminal, PrintStream out,
            long deadline) throws InterruptedException {
        int width = terminalWidth();
        int drawn = 0;
        String lastSummary = null;
        long lastSummaryAt = 0;
        while (true) {
            BatchSummary summary = store.batch(batch);
            BatchThroughput.Rate rate = observer.throughput.rate(batch, summary.bytesDone(), summary.bytesTotal());
            boolean finished = summary.completed() || summary.allFinished();
            if (finished) {
                rate = rate.withoutEta(); // nothing more will be copied, whatever failed clones left
            }
            if (terminal) {
                List<String> frame = BatchProgressView.frame(summary, rate, store.clonesOf(batch), width, MAX_CLONE_LINES);
                StringBuilder text = new StringBuilder();
                if (drawn > 0) {
                    text.append("\u001b[").append(drawn).append("A\u001b[J"); // back to the frame's top, clear below
                }
                for (String line : frame) {
                    text.append(line.length() > width ? line.substring(0, width) : line).append('\n');
                }
                out.print(text);
                drawn = frame.size();
                observer.transitions.clear();
            } else {
                String line;
                while ((line = observer.transitions.poll()) != null) {
                    out.println(line);
                }
                String now = BatchProgressView.summaryLine(summary, rate);
                String comparable = now.replaceAll(" [0-9.]+ [KMGTP]?i?B/s ETA [-0-9:]+", "");
                if (finished || (!comparable.equals(lastSummary) && System.nanoTime() - lastSummaryAt > 1_000_000_000L)) {
                    out.println(now);
                    lastSummary = comparable;
                    lastSummaryAt = System.nanoTime();
                }
            }
            out.flush();
            if (finished) {
                return verdict(batch, summary, store, out);
            }
            if (System.nanoTime() > deadline) {
                throw new UserError("batch " + batch + " did not finish within --timeout " + timeoutSeconds + " s: "
                        + BatchProgressView.counts(summary) + ".");
            }
            Thread.sleep(refreshMillis);
        }
    }

    private static int verdict(String batch, BatchSummary summary, CloneStateStore store, PrintStream out) {
        int ready = summary.count(CloneState.CLONE_STATE_READY);
        if (ready == summary.clones()) {
            out.println("batch " + batch + " complete: all " + ready + " clones READY");
            return 0;
        }
        List<String> problems = new ArrayList<>();
        for (CloneStatus clone : store.clonesOf(batch)) {
            if (clone.getState() != CloneState.CLONE_STATE_READY) {
                problems.add(clone.getUserid() + " " + CloneStateMachine.simpleName(clone.getState())
                        + (clone.hasLastError() ? " (" + clone.getLastError().getStep() + ": "
                        + clone.getLastError().getReason() + ")" : ""));
            }
        }
        out.println("batch " + batch + " complete: " + ready + " of " + summary.clones() + " clones READY; not READY: "
                + String.join(", ", problems));
        return 1;
    }

    private static int terminalWidth() {
        String columns = System.getenv("COLUMNS");
        try {
            return columns == null ? 100 : Math.max(60, Integer.parseInt(columns.strip()));
        } catch (NumberFormatException e) {
            return 100;
        }
    }
}
