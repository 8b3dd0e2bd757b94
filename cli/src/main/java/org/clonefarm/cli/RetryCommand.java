package org.clonefarm.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code clonefarm retry BATCH [USERID...]}. */
@Command(name = "retry", mixinStandardHelpOptions = true,
        description = "Retry clones of a batch: their requests are published again with attempt + 1. Without userids, every FAILED or CANCELLED clone of the batch.")
public final class RetryCommand implements Callable<Integer> {

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
        try (OperatorSession session = new OperatorSession(kafka, data.path(), "retry")) {
            List<String> done;
            try {
                done = session.commands().retry(batch, userids).join();
            } catch (RuntimeException e) {
                throw SpecFile.unwrap(e, "retry " + batch);
            }
            System.out.println(done.isEmpty() ? "nothing to retry in batch " + batch
                    : "retried " + done.size() + " clones of batch " + batch + ": " + String.join(" ", done));
            return 0;
        }
    }
}
