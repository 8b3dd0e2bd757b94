package org.clonefarm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.util.JsonFormat;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.clonefarm.cli.console.Invocation;
import org.clonefarm.coordinator.state.BatchSummary;
import org.clonefarm.coordinator.state.CloneStateMachine;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CloneStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code clonefarm status [BATCH]}: the state of every batch, or of every clone of one batch; with
 * {@code --events}, the batch's facts themselves as they are on the events topic.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {
            "Show every batch with its clones per state, or, for one batch, every clone's state, step and progress.",
            "With --events, print the batch's facts instead: every event on the events topic that names BATCH, each",
            "once (by event id), one JSON object a line in the protobuf JSON mapping of CloneEvent (eventId,",
            "batchId, userid, time as RFC 3339 UTC, producerId, attempt and the fact, such as copyStarted or",
            "ready), in the order of the topic within each clone; copy progress included."
        })
public final class StatusCommand implements Callable<Integer> {
    private static final Duration EVENTS_TIMEOUT = Duration.ofSeconds(60);

    @Parameters(index = "0", arity = "0..1", paramLabel = "BATCH", description = "Show this batch's clones.")
    String batch;

    @Option(names = "--json", description = "Print JSON: batch summaries, or the batch's clone statuses.")
    boolean json;

    @Option(names = "--events", description = "Print every fact of BATCH from the events topic, one JSON object a line.")
    boolean events;

    @Mixin
    DataDirectoryOption data;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        if (events) {
            if (batch == null) {
                throw UserError.usage("--events needs a BATCH.");
            }
            if (json) {
                throw UserError.usage("--events prints JSON lines already; leave out --json.");
            }
            return printEvents(FarmConnection.open(kafka, data.path()));
        }
        try (OperatorSession session = new OperatorSession(kafka, data.path(), "status")) {
            CloneStateStore state = session.state();
            if (batch == null) {
                printBatches(state);
                return 0;
            }
            BatchSummary summary = state.batch(batch);
            if (summary == null) {
                throw new UserError("there is no batch " + batch + " (batches: " + new TreeSet<>(state.batchIds()) + ")");
            }
            List<CloneStatus> clones = state.clonesOf(batch);
            if (json) {
                StringBuilder out = new StringBuilder("[");
                for (int i = 0; i < clones.size(); i++) {
                    out.append(i == 0 ? "" : ",").append(JsonFormat.printer().omittingInsignificantWhitespace().print(clones.get(i)));
                }
                System.out.println(out.append(']'));
                return 0;
            }
            System.out.println(line(summary));
            for (CloneStatus clone : clones) {
                long total = clone.getProgress().getBytesTotal();
                String percent = total > 0 ? String.format("%3d%%", clone.getProgress().getBytesDone() * 100 / total) : "   -";
                System.out.printf("  %-8s %-10s %-14s %s %s%s%n", clone.getUserid(),
                        CloneStateMachine.simpleName(clone.getState()), clone.getStep(), percent,
                        clone.getRefreshes() > 0 ? "refreshed " + clone.getRefreshes() + "x " : "",
                        clone.hasLastError() ? clone.getLastError().getStep() + ": " + clone.getLastError().getReason()
                                : String.join(" ", clone.getConfiguredAddressesList()));
            }
            return 0;
        }
    }

    /**
     * Prints the batch's facts, one JSON line each, from a single read of the events topic to its end. The
     * topic is keyed by userid (batch-level facts by the empty one), so the order holds within a clone and
     * within the batch-level facts, not across them; the times say when each fact happened.
     */
    private int printEvents(FarmConnection connection) throws Exception {
        List<CloneEvent> all;
        try {
            all = TopicSnapshot.events(connection.settings(), connection.layout().events(),
                    "clonefarm-status-" + ProcessHandle.current().pid(), EVENTS_TIMEOUT);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new UserError("the events topic " + connection.layout().events() + " could not be read to its end within "
                    + EVENTS_TIMEOUT.toSeconds() + " s; is the Kafka cluster up?", e);
        }
        JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();
        Set<String> seen = new HashSet<>();
        Set<String> batches = new TreeSet<>();
        StringBuilder out = new StringBuilder();
        for (CloneEvent event : all) {
            batches.add(event.getBatchId());
            if (event.getBatchId().equals(batch) && seen.add(event.getEventId())) {
                out.append(printer.print(event)).append('\n');
            }
        }
        if (seen.isEmpty()) {
            batches.remove("");
            throw new UserError("there is no batch " + batch + " (batches: " + batches + ")");
        }
        System.out.print(out);
        System.out.flush();
        return 0;
    }

    private void printBatches(CloneStateStore state) throws Exception {
        TreeSet<String> ids = new TreeSet<>(state.batchIds());
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ArrayNode out = mapper.createArrayNode();
            for (String id : ids) {
                BatchSummary summary = state.batch(id);
                ObjectNode node = out.addObject().put("batch", id).put("clones", summary.clones())
                        .put("bytes_done", summary.bytesDone()).put("bytes_total", summary.bytesTotal())
                        .put("completed", summary.completed());
                ObjectNode counts = node.putObject("states");
                summary.counts().forEach((s, n) -> counts.put(CloneStateMachine.simpleName(s), n));
            }
            System.out.println(mapper.writeValueAsString(out));
            return;
        }
        if (ids.isEmpty()) {
            System.out.println("no batches yet; submit one with: " + Invocation.command("submit SPEC"));
        }
        for (String id : ids) {
            System.out.println(line(state.batch(id)));
        }
    }

    private static String line(BatchSummary summary) {
        StringBuilder text = new StringBuilder();
        text.append(summary.batchId()).append(": ").append(summary.clones()).append(" clones");
        for (CloneState state : CloneState.values()) {
            int count = summary.count(state);
            if (count > 0) {
                text.append(", ").append(count).append(' ').append(CloneStateMachine.simpleName(state));
            }
        }
        if (summary.bytesTotal() > 0) {
            text.append("; copied ").append(Sizes.bytes(summary.bytesDone())).append(" of ").append(Sizes.bytes(summary.bytesTotal()));
        }
        if (summary.completed()) {
            text.append(" (completed)");
        }
        return text.toString();
    }
}
