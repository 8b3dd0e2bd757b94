package org.clonefarm.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.clonefarm.cli.embedded.ClusterPrincipal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code clonefarm coordinator}: the coordinator alone, on an existing Kafka cluster (or the
 * embedded broker of {@code up} on the same data directory). One active coordinator per farm.
 */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
        description = {
            "Run the coordinator on the local z/VM simulation: rebuild the clone state from the events topic,",
            "start copied clones, enforce timeouts, serve the HTTP API and dashboard. Runs until Ctrl-C or SIGTERM.",
            "The log is in DATA/logs/clonefarm-coordinator.log."
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

    @Mixin
    GuestKafkaOption guestKafka;

    @Mixin
    ConsoleOptions terminal;

    @Override
    public Integer call() throws Exception {
        var orchestrationSettings = orchestration.settings();
        Path dataDir = data.writable();
        var httpSettings = http.settings(dataDir);
        FarmConnection connection = FarmConnection.open(kafka, dataDir);
        Path guestKafkaConfig = guestKafka.file(connection.settings()).orElse(null);
        connection.requireRightsOf(ClusterPrincipal.COORDINATOR, null, kafka.kafkaConfig);
        ShutdownSignal signal = ShutdownSignal.install();
        try (ConsoleOptions.CommandConsole session = terminal.open("clonefarm coordinator", dataDir, "coordinator");
                SimulatedCoordinator coordinator = SimulatedCoordinator.start(dataDir, farmKey.loadOrCreate(dataDir),
                connection.settings(), connection.layout(), httpSettings, orchestrationSettings,
                GuestRuntimeOptions.Plan.loop(orchestration.guestConcurrency()),
                guestKafkaConfig, null)) {
            session.console().result("clonefarm coordinator: bootstrap.servers=" + connection.settings().bootstrapServers()
                    + " data=" + dataDir + " dashboard=" + coordinator.url());
            String reason = signal.await();
            session.console().say(reason + " received, shutting down");
        }
        return 0;
    }
}
