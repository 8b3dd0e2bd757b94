package org.clonefarm.cli;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.clonefarm.coordinator.commands.BatchCommands;
import picocli.CommandLine.Command;

/** {@code clonefarm retry BATCH [USERID...]}. */
@Command(name = "retry", mixinStandardHelpOptions = true, description = "Retry clones of a batch: their requests are published again with attempt + 1. Without userids, every FAILED or CANCELLED clone of the batch.")
public final class RetryCommand extends CloneActionCommand {

    @Override
    String verb() {
        return "retry";
    }

    @Override
    String past() {
        return "retried";
    }

    @Override
    CompletableFuture<List<String>> act(BatchCommands commands, String batch, List<String> userids) {
        return commands.retry(batch, userids);
    }
}
