package org.clonefarm.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code clonefarm coordinator}: the coordinator alone, on an existing Kafka cluster (or the
 * embedded broker of {@code up} on the same data directory). One active coordinator per farm.
 */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
        description = {
            "Run the coordinator on the local z/VM simulation: rebuild the clone state from the events topic,",
            "start copied clones, enforce timeouts, serve the HTTP API and dashboard. Runs until Ctrl-C or SIGTERM."
        })
public final class CoordinatorCommand implements Callable<Integer> {

    @Mixin
    DataDirectoryOption data;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    HttpOptions http;

    @Mixin
    OrchestrationOptions orchestration;

    @Mixin
    FarmKeyOption farmKey;

    @Override
    public Integer call() throws Exception {
        var orchestrationSettings = orchestration.settings();
        Path dataDir = data.writable();
        var httpSettings = http.settings(dataDir);
        FarmConnection connection = FarmConnection.open(kafka, dataDir);
        ShutdownSignal signal = ShutdownSignal.install();
        try (LocalCoordinator coordinator = LocalCoordinator.start(dataDir, farmKey.loadOrCreate(dataDir),
                connection.settings(), connection.layout(), httpSettings, orchestrationSettings, orchestration.guestConcurrency())) {
            System.out.println("clonefarm coordinator: bootstrap.servers=" + connection.settings().bootstrapServers()
                    + " data=" + dataDir + " dashboard=" + coordinator.url());
            System.out.flush();
            String reason = signal.await();
            System.err.println("clonefarm coordinator: " + reason + " received, shutting down");
        }
        return 0;
    }
}
