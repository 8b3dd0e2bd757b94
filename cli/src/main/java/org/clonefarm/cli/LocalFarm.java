package org.clonefarm.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.kafka.clients.admin.Admin;
import org.clonefarm.cli.console.Console;
import org.clonefarm.cli.embedded.EmbeddedKafka;
import org.clonefarm.cli.embedded.EmbeddedKafkaException;
import org.clonefarm.coordinator.http.HttpSettings;
import org.clonefarm.coordinator.orchestration.OrchestrationSettings;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicLayoutException;
import org.clonefarm.worker.service.DiskAccessFactory;
import org.clonefarm.worker.service.DiskSettings;
import org.clonefarm.worker.service.WorkerConfig;
import org.clonefarm.worker.service.WorkerService;
import org.clonefarm.worker.service.WorkerStartException;

/**
 * The whole farm in one process on the local simulation, as {@code up} and {@code demo} run it: the
 * embedded Kafka broker (unless a cluster is given), the topics, N workers and the coordinator with
 * its HTTP API. {@link #close()} stops the parts in reverse order of their start.
 */
final class LocalFarm implements AutoCloseable {
    private final Deque<AutoCloseable> running;
    private final String servers;
    private final KafkaSettings settings;
    private final TopicLayout layout;
    private final LocalCoordinator coordinator;

    private LocalFarm(Deque<AutoCloseable> running, String servers, KafkaSettings settings, TopicLayout layout,
            LocalCoordinator coordinator) {
        this.running = running;
        this.servers = servers;
        this.settings = settings;
        this.layout = layout;
        this.coordinator = coordinator;
    }

    /** What to start; validated by the commands' options. */
    record Plan(Path dataDir, KafkaOptions kafka, int kafkaPort, Duration startupTimeout, int workers,
            boolean coordinator, HttpSettings http, OrchestrationSettings orchestration, int guestConcurrency,
            DiskSettings disk) {
    }

    /**
     * Starts the farm, with one line on {@code console} for each part that started (the coordinator's is the
     * command's, which knows what to say of its dashboard).
     *
     * @param name the command, {@code demo} or {@code up}: in the names of its clients and workers
     * @throws UserError when the broker, the topics or a worker cannot start
     */
    static LocalFarm start(String name, Plan plan, Console console) throws Exception {
        Deque<AutoCloseable> running = new ArrayDeque<>();
        try {
            String servers;
            if (plan.kafka().clusterGiven()) {
                servers = plan.kafka().settings(null).bootstrapServers();
            } else {
                EmbeddedKafka broker = EmbeddedKafka.start(plan.dataDir(), plan.kafkaPort(), plan.startupTimeout());
                running.push(broker);
                servers = broker.bootstrapServers();
                console.say("embedded Kafka broker started: bootstrap.servers=" + servers + ", its data in "
                        + plan.dataDir().resolve("kafka"));
            }
            KafkaSettings settings = plan.kafka().settings(servers);
            TopicLayout layout = plan.kafka().topicLayout();
            try (Admin admin = Admin.create(settings.admin("clonefarm-" + name))) {
                layout.ensure(admin, plan.startupTimeout().toMillis()); // logs the topics it created
            }
            // the coordinator signs requests with this key, the workers copy only what it signed
            FarmKey farmKey = FarmKeyOption.loadOrCreateAt(FarmKey.defaultFile(plan.dataDir()));
            // the workers are guests of the simulation: the cp path runs against its CP and channel subsystem
            DiskSettings disk = WorkerDiskAccess.simulated(plan.disk());
            DiskAccessFactory access = WorkerDiskAccess.factory(disk, plan.dataDir(), true);
            for (int i = 1; i <= plan.workers(); i++) {
                running.push(WorkerService.start(WorkerConfig.of("clonefarm-" + name + "-worker-" + i, plan.dataDir(), settings,
                        layout, -1).withDisk(disk), access));
            }
            if (plan.workers() > 0) {
                console.say(plan.workers() + (plan.workers() == 1 ? " copy worker" : " copy workers") + " started");
            }
            LocalCoordinator coordinator = null;
            if (plan.coordinator()) {
                coordinator = LocalCoordinator.start(plan.dataDir(), farmKey, settings, layout, plan.http(),
                        plan.orchestration(), plan.guestConcurrency());
                running.push(coordinator);
            }
            return new LocalFarm(running, servers, settings, layout, coordinator);
        } catch (EmbeddedKafkaException | TopicLayoutException | WorkerStartException e) {
            closeAll(running, e);
            throw new UserError(e.getMessage(), e);
        } catch (Exception e) {
            closeAll(running, e);
            throw e;
        }
    }

    String servers() {
        return servers;
    }

    KafkaSettings settings() {
        return settings;
    }

    TopicLayout layout() {
        return layout;
    }

    /** The coordinator, or empty when the farm runs without one. */
    java.util.Optional<LocalCoordinator> coordinator() {
        return java.util.Optional.ofNullable(coordinator);
    }

    @Override
    public void close() throws Exception {
        closeAll(running, null);
    }

    private static void closeAll(Deque<AutoCloseable> running, Exception cause) throws Exception {
        Exception first = null;
        while (!running.isEmpty()) {
            try {
                running.pop().close();
            } catch (Exception e) {
                if (cause != null) {
                    cause.addSuppressed(e);
                } else if (first == null) {
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
