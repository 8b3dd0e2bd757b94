package org.clonefarm.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code clonefarm cancel BATCH [USERID...]}. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
        description = "Cancel clones of a batch. Without userids, every clone of the batch that is not READY.")
public final class CancelCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "BATCH", description = "The batch.")
    String batch;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "USERID", description = "Only these clones.")
    List<String> userids = List.of();

    @Mixin
    DataDirectoryOption data;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() {
        try (OperatorSession session = new OperatorSession(kafka, data.path(), "cancel")) {
            List<String> done;
            try {
                done = session.commands().cancel(batch, userids).join();
            } catch (RuntimeException e) {
                throw SpecFile.unwrap(e, "cancel " + batch);
            }
            System.out.println(done.isEmpty() ? "nothing to cancel in batch " + batch
                    : "cancelled " + done.size() + " clones of batch " + batch + ": " + String.join(" ", done));
            return 0;
        }
    }
}
