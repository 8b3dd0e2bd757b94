package org.clonefarm.cli;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.clonefarm.coordinator.commands.BatchCommands;
import picocli.CommandLine.Command;

/** {@code clonefarm refresh BATCH [USERID...]}. */
@Command(name = "refresh", mixinStandardHelpOptions = true, description = "Refresh clones of a batch from their master as"
        + " it is now: each clone is stopped (FORCE), only the chunks that differ from the master (changed in the"
        + " master or by the clone) are copied again, and it is started to finalize again; a clone whose master did"
        + " not change is left as it is. Without userids, every READY or FAILED clone of the batch. Needs a running"
        + " coordinator, which stops the guests and publishes the requests.")
public final class RefreshCommand extends CloneActionCommand {
    private volatile String masterVersion = "";

    @Override
    String verb() {
        return "refresh";
    }

    @Override
    String past() {
        return "refreshing";
    }

    @Override
    CompletableFuture<List<String>> act(BatchCommands commands, String batch, List<String> userids) {
        return commands.refresh(batch, userids).thenApply(refreshed -> {
            masterVersion = refreshed.masterVersion();
            return refreshed.userids();
        });
    }

    @Override
    String detail() {
        return masterVersion.isEmpty() ? "" : " (master version " + masterVersion + ")";
    }
}
