package org.clonefarm.cli;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.clonefarm.coordinator.commands.BatchCommands;
import picocli.CommandLine.Command;

/** {@code clonefarm cancel BATCH [USERID...]}. */
@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel clones of a batch. Without userids, every clone of the batch that is not READY.")
public final class CancelCommand extends CloneActionCommand {

    @Override
    String verb() {
        return "cancel";
    }

    @Override
    String past() {
        return "cancelled";
    }

    @Override
    CompletableFuture<List<String>> act(BatchCommands commands, String batch, List<String> userids) {
        return commands.cancel(batch, userids);
    }
}
