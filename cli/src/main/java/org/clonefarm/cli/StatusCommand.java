package org.clonefarm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.util.JsonFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.clonefarm.cli.console.Invocation;
import org.clonefarm.coordinator.state.BatchSummary;
import org.clonefarm.coordinator.state.CloneStateMachine;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CloneStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code clonefarm status [BATCH]}: the state of every batch, or of every clone of one batch. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show every batch with its clones per state, or, for one batch, every clone's state, step and progress.")
public final class StatusCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "BATCH", description = "Show this batch's clones.")
    String batch;

    @Option(names = "--json", description = "Print JSON: batch summaries, or the batch's clone statuses.")
    boolean json;

    @Mixin
    DataDirectoryOption data;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
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
