package org.clonefarm.cli;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.clonefarm.coordinator.commands.BatchCommands;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * What {@code retry}, {@code refresh} and {@code cancel} share: a batch, optional userids, the farm's Kafka, and one
 * line saying which clones the action touched.
 */
abstract class CloneActionCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "BATCH", description = "The batch.")
    String batch;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "USERID", description = "Only these clones.")
    List<String> userids = List.of();

    @Mixin
    DataDirectoryOption data;

    @Mixin
    KafkaOptions kafka;

    /** The verb, as in "nothing to VERB", e.g. {@code retry}. */
    abstract String verb();

    /** The past tense, as in "PAST 3 clones", e.g. {@code retried}. */
    abstract String past();

    abstract CompletableFuture<List<String>> act(BatchCommands commands, String batch, List<String> userids);

    /** Said after the clones an action touched, e.g. the master version of a refresh; empty by default. */
    String detail() {
        return "";
    }

    @Override
    public Integer call() {
        try (OperatorSession session = new OperatorSession(kafka, data.path(), verb())) {
            List<String> done;
            try {
                done = act(session.commands(), batch, userids).join();
            } catch (RuntimeException e) {
                throw SpecFile.unwrap(e, verb() + " " + batch);
            }
            System.out.println(done.isEmpty() ? "nothing to " + verb() + " in batch " + batch
                    : past() + " " + done.size() + " clones of batch " + batch + ": " + String.join(" ", done) + detail());
            return 0;
        }
    }
}
