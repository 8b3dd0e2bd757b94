package org.clonefarm.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.clonefarm.cli.embedded.LocalKafkaCluster;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.worker.service.WorkerConfig;
import org.clonefarm.worker.disk.DiskAccessKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code clonefarm up}: everything on one machine. Starts the embedded Kafka broker (unless a cluster
 * is given; {@code --brokers N}: the data directory's local cluster of broker processes), creates the topics, prints where it all is, and runs until SIGTERM or Ctrl-C, then stops
 * every part in reverse order and exits 0.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {
            "Run clonefarm on this machine: the embedded Kafka broker (unless --bootstrap-servers is given; with",
            "--brokers N a local cluster of N broker processes instead), the",
            "clonefarm topics, and the coordinator on the local z/VM simulation with its HTTP API and dashboard.",
            "Prints one line with bootstrap.servers=HOST:PORT, the data directory and dashboard=URL, then runs",
            "until Ctrl-C or SIGTERM, when every part stops cleanly. The log is in DATA/logs/clonefarm-up.log."
        })
public final class UpCommand implements Callable<Integer> {

    @Mixin
    DataDirectoryOption data;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    HttpOptions http;

    @Mixin
    OrchestrationOptions orchestration;

    @Mixin
    DiskAccessOptions disks;

    @Mixin
    GuestRuntimeOptions guests;

    @Mixin
    ConsoleOptions terminal;

    @Option(names = "--kafka-port", paramLabel = "N", defaultValue = "0",
            description = "Port of the embedded broker: 1-65535, or 0 for the last one used or any free port (default).")
    int kafkaPort;

    @Option(names = "--brokers", paramLabel = "N",
            description = "Run Kafka as a local cluster of N broker processes instead (1-9; see 'clonefarm kafka start'):"
                    + " nodes that run already are used, the ones this command starts are stopped when it stops.")
    Integer brokers;

    @Option(names = "--startup-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait for the broker to serve (default: ${DEFAULT-VALUE}).")
    int startupTimeoutSeconds;

    @Option(names = "--coordinator", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run the coordinator in this process (default); --no-coordinator runs only the broker and"
                    + " workers, for a coordinator started apart with 'clonefarm coordinator'.")
    boolean coordinator;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2",
            description = "Copy workers to run in this process, 0-64 (default: ${DEFAULT-VALUE}); more can join with 'clonefarm worker'.")
    int workers;

    @Override
    public Integer call() throws Exception {
        if (kafkaPort < 0 || kafkaPort > 65535) {
            throw UserError.usage("--kafka-port " + kafkaPort + " is not a port: use 1-65535, or 0 for any free port.");
        }
        if (startupTimeoutSeconds < 1 || startupTimeoutSeconds > 3600) {
            throw UserError.usage("--startup-timeout " + startupTimeoutSeconds + " must be 1-3600 seconds.");
        }
        if (kafka.clusterGiven() && kafkaPort != 0) {
            throw UserError.usage("--kafka-port sets the embedded broker's port; it has no meaning with --bootstrap-servers.");
        }
        if (brokers != null) {
            if (brokers < 1 || brokers > LocalKafkaCluster.MAX_BROKERS) {
                throw UserError.usage("--brokers " + brokers + " must be 1-" + LocalKafkaCluster.MAX_BROKERS + ".");
            }
            if (kafka.clusterGiven()) {
                throw UserError.usage("--brokers starts a local cluster; it has no meaning with a cluster given"
                        + " (--bootstrap-servers, or bootstrap.servers in --kafka-config).");
            }
            if (kafkaPort != 0) {
                throw UserError.usage("--kafka-port sets the in-process broker's port; a cluster of --brokers keeps the"
                        + " ports it was created with (clonefarm kafka status shows them).");
            }
        }
        if (workers < 0 || workers > WorkerConfig.MAX_MAX_CLONES) {
            throw UserError.usage("--workers " + workers + " must be 0-64.");
        }
        TopicLayout layout = kafka.topicLayout();
        var orchestrationSettings = orchestration.settings();
        Path dataDir = data.writable();
        var httpSettings = http.settings(dataDir);
        ShutdownSignal signal = ShutdownSignal.install();
        SimulatedFarm.Plan plan = new SimulatedFarm.Plan(dataDir, kafka, kafkaPort, brokers == null ? 0 : brokers,
                Duration.ofSeconds(startupTimeoutSeconds),
                workers, coordinator, httpSettings, orchestrationSettings, guests.plan(orchestration),
                disks.settings(DiskAccessKind.CP));
        try (ConsoleOptions.CommandConsole session = terminal.open("clonefarm up", dataDir, "up");
                SimulatedFarm farm = SimulatedFarm.start("up", plan, session.console())) {
            session.console().result("clonefarm up: bootstrap.servers=" + farm.servers() + " data=" + dataDir + " workers="
                    + workers + farm.coordinator().map(c -> " dashboard=" + c.url() + " (API token in " + (http.tokenFile != null
                    ? http.tokenFile : dataDir.resolve("api-token")) + ")").orElse(" (no coordinator)"));
            String reason = signal.await();
            session.console().say(reason + " received, shutting down");
            return 0;
        }
    }
}
