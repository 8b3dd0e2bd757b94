package org.clonefarm.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.clonefarm.cli.embedded.EmbeddedKafka;
import org.clonefarm.cli.embedded.EmbeddedKafkaException;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicLayoutException;
import org.clonefarm.worker.service.WorkerConfig;
import org.clonefarm.worker.service.WorkerService;
import org.clonefarm.worker.service.WorkerStartException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code clonefarm up}: everything on one machine. Starts the embedded Kafka broker (unless a cluster
 * is given), creates the topics, prints where it all is, and runs until SIGTERM or Ctrl-C, then stops
 * every part in reverse order and exits 0.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {
            "Run clonefarm on this machine: the embedded Kafka broker (unless --bootstrap-servers is given), the",
            "clonefarm topics, and the coordinator on the local z/VM simulation with its HTTP API and dashboard.",
            "Prints one line with bootstrap.servers=HOST:PORT, the data directory and dashboard=URL, then runs",
            "until Ctrl-C or SIGTERM, when every part stops cleanly."
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

    @Option(names = "--kafka-port", paramLabel = "N", defaultValue = "0",
            description = "Port of the embedded broker: 1-65535, or 0 for the last one used or any free port (default).")
    int kafkaPort;

    @Option(names = "--startup-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait for the broker to serve (default: ${DEFAULT-VALUE}).")
    int startupTimeoutSeconds;

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
        if (workers < 0 || workers > WorkerConfig.MAX_MAX_CLONES) {
            throw UserError.usage("--workers " + workers + " must be 0-64.");
        }
        TopicLayout layout = kafka.topicLayout();
        var orchestrationSettings = orchestration.settings();
        Path dataDir = data.writable();
        var httpSettings = http.settings(dataDir);
        ShutdownSignal signal = ShutdownSignal.install();
        Deque<AutoCloseable> running = new ArrayDeque<>();
        try {
            String servers;
            if (kafka.clusterGiven()) {
                servers = kafka.settings(null).bootstrapServers();
            } else {
                System.err.println("clonefarm up: starting the embedded Kafka broker in " + dataDir.resolve("kafka"));
                EmbeddedKafka broker = EmbeddedKafka.start(dataDir, kafkaPort, Duration.ofSeconds(startupTimeoutSeconds));
                running.push(broker);
                servers = broker.bootstrapServers();
            }
            KafkaSettings settings = kafka.settings(servers);
            try (Admin admin = Admin.create(settings.admin("clonefarm-up"))) {
                List<String> created = layout.ensure(admin, startupTimeoutSeconds * 1000L);
                if (!created.isEmpty()) {
                    System.err.println("clonefarm up: created topics " + String.join(", ", created));
                }
            }
            for (int i = 1; i <= workers; i++) {
                running.push(WorkerService.start(WorkerConfig.of("up-worker-" + i, dataDir, settings, layout, -1)));
            }
            LocalCoordinator coordinator = LocalCoordinator.start(dataDir, settings, layout, httpSettings,
                    orchestrationSettings, orchestration.guestConcurrency());
            running.push(coordinator);
            System.out.println("clonefarm up: bootstrap.servers=" + servers + " data=" + dataDir + " workers=" + workers
                    + " dashboard=" + coordinator.url() + " (API token in " + (http.tokenFile != null ? http.tokenFile
                    : dataDir.resolve("api-token")) + ")");
            System.out.flush();
            String reason = signal.await();
            System.err.println("clonefarm up: " + reason + " received, shutting down");
            return 0;
        } catch (EmbeddedKafkaException | TopicLayoutException | WorkerStartException e) {
            throw new UserError(e.getMessage(), e);
        } finally {
            closeAll(running);
        }
    }

    private static void closeAll(Deque<AutoCloseable> running) throws Exception {
        Exception first = null;
        while (!running.isEmpty()) {
            try {
                running.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
