package org.clonefarm.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.clients.admin.Admin;
import org.clonefarm.cli.console.Console;
import org.clonefarm.cli.embedded.EmbeddedKafka;
import org.clonefarm.cli.simulation.DemoMaster;
import org.clonefarm.cli.simulation.QemuGuestRuntime;
import org.clonefarm.cli.embedded.ClusterSecurity;
import org.clonefarm.cli.embedded.EmbeddedKafkaException;
import org.clonefarm.cli.embedded.LocalKafkaCluster;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole farm in one process on the local simulation, as {@code up} and {@code demo} run it: the
 * embedded Kafka broker (unless a cluster is given; {@code up --brokers N}: the data directory's local
 * cluster of broker processes instead), the topics, N workers and the coordinator with
 * its HTTP API. {@link #close()} stops the parts in reverse order of their start.
 */
final class SimulatedFarm implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedFarm.class);
    private static final Duration CLUSTER_STOP_TIMEOUT = Duration.ofSeconds(60);
    private final StartedParts running;
    private final String servers;
    private final KafkaSettings settings;
    private final TopicLayout layout;
    private final SimulatedCoordinator coordinator;

    private SimulatedFarm(StartedParts running, String servers, KafkaSettings settings, TopicLayout layout,
            SimulatedCoordinator coordinator) {
        this.running = running;
        this.servers = servers;
        this.settings = settings;
        this.layout = layout;
        this.coordinator = coordinator;
    }

    /**
     * What to start; validated by the commands' options.
     *
     * @param brokers 0 for the single in-process broker (when no cluster is given), else the nodes of the
     *     data directory's {@link LocalKafkaCluster}
     */
    record Plan(Path dataDir, KafkaOptions kafka, int kafkaPort, int brokers, Duration startupTimeout, int workers,
            boolean coordinator, HttpSettings http, OrchestrationSettings orchestration, GuestRuntimeOptions.Plan guests,
            DiskSettings disk) {

        /** A plan with the in-process broker. */
        Plan(Path dataDir, KafkaOptions kafka, int kafkaPort, Duration startupTimeout, int workers,
                boolean coordinator, HttpSettings http, OrchestrationSettings orchestration, GuestRuntimeOptions.Plan guests,
                DiskSettings disk) {
            this(dataDir, kafka, kafkaPort, 0, startupTimeout, workers, coordinator, http, orchestration,
                    guests, disk);
        }

        boolean qemuGuests() {
            return guests.kind() == GuestRuntimeOptions.Kind.QEMU;
        }
    }

    /**
     * Starts the farm, with one line on {@code console} for each part that started (the coordinator's is the
     * command's, which knows what to say of its dashboard).
     *
     * @param name the command, {@code demo} or {@code up}: in the names of its clients and workers
     * @throws UserError when the broker, the topics or a worker cannot start
     */
    static SimulatedFarm start(String name, Plan plan, Console console) throws Exception {
        StartedParts running = new StartedParts();
        if (plan.qemuGuests() && (plan.kafka().clusterGiven() || plan.brokers() > 0)) {
            // the guests reach the broker through their private networks: only the in-process broker has the
            // listener for them (docs/guests.md)
            throw UserError.usage("--guests qemu needs the embedded in-process broker, which listens for the guests;"
                    + " it cannot be used with --bootstrap-servers, a cluster in --kafka-config or --brokers.");
        }
        try {
            String servers;
            QemuGuestRuntime.GuestBroker guestBroker = null;
            if (plan.kafka().clusterGiven()) {
                servers = plan.kafka().settings(null).bootstrapServers();
            } else if (plan.brokers() > 0) {
                servers = startCluster(name, plan, console.narration(), running);
            } else {
                EmbeddedKafka broker = EmbeddedKafka.start(plan.dataDir(), plan.kafkaPort(), plan.startupTimeout(),
                        plan.qemuGuests() ? DemoMaster.GUEST_BROKER : null);
                running.add(broker);
                servers = broker.bootstrapServers();
                if (plan.qemuGuests()) {
                    guestBroker = new QemuGuestRuntime.GuestBroker(DemoMaster.GUEST_BROKER, broker.guestListenerPort());
                }
                console.say("embedded Kafka broker started: bootstrap.servers=" + servers + (guestBroker == null ? ""
                        : " (guests: " + guestBroker.advertised() + ")") + ", its data in " + plan.dataDir().resolve("kafka"));
            }
            KafkaSettings settings = plan.kafka().settings(servers);
            TopicLayout layout = plan.kafka().topicLayout();
            try (Admin admin = Admin.create(settings.admin("clonefarm-" + name))) {
                TopicLayout.Reconciliation topics = layout.reconcile(admin, plan.startupTimeout().toMillis());
                if (!topics.created().isEmpty()) {
                    LOG.info("created topics {}", String.join(", ", topics.created()));
                }
                for (String warning : topics.warnings()) {
                    console.problem(false, warning);
                }
            }
            // the coordinator signs requests with this key, the workers copy only what it signed
            FarmKey farmKey = FarmKeyOption.loadOrCreateAt(FarmKey.defaultFile(plan.dataDir()));
            // the workers are guests of the simulation: the cp path runs against its CP and channel subsystem
            DiskSettings disk = WorkerDiskAccess.simulated(plan.disk());
            DiskAccessFactory access = WorkerDiskAccess.factory(disk, plan.dataDir(), true);
            for (int i = 1; i <= plan.workers(); i++) {
                running.add(WorkerService.start(WorkerConfig.of("clonefarm-" + name + "-worker-" + i, plan.dataDir(), settings,
                        layout, -1).withDisk(disk), access));
            }
            if (plan.workers() > 0) {
                console.say(plan.workers() + (plan.workers() == 1 ? " copy worker" : " copy workers") + " started");
            }
            SimulatedCoordinator coordinator = null;
            if (plan.coordinator()) {
                coordinator = SimulatedCoordinator.start(plan.dataDir(), farmKey, settings, layout, plan.http(),
                        plan.orchestration(), plan.guests(), null, guestBroker);
                running.add(coordinator);
            }
            return new SimulatedFarm(running, servers, settings, layout, coordinator);
        } catch (EmbeddedKafkaException | TopicLayoutException | WorkerStartException e) {
            running.closeAfter(e);
            throw new UserError(e.getMessage(), e);
        } catch (Exception e) {
            running.closeAfter(e);
            throw e;
        }
    }

    /**
     * Starts the nodes of the data directory's cluster that do not run; at close, stops those it started
     * (the others ran before and keep running).
     */
    private static String startCluster(String command, Plan plan, PrintStream log, StartedParts running) {
        LocalKafkaCluster cluster = LocalKafkaCluster.at(plan.dataDir());
        if (cluster.exists() && cluster.security() != ClusterSecurity.NONE) {
            throw new UserError(plan.dataDir().resolve("kafka") + " holds a cluster secured with --security "
                    + cluster.security() + "; '" + command + "' runs every part in one process with one principal."
                    + " Run the coordinator and the workers apart, each with its --kafka-config file from "
                    + cluster.securityDirectory() + " (docs/kafka.md)");
        }
        log.println("starting a local Kafka cluster of " + plan.brokers() + " brokers in "
                + plan.dataDir().resolve("kafka"));
        LocalKafkaCluster.Started started = cluster.start(new LocalKafkaCluster.StartPlan(plan.brokers(),
                ClusterSecurity.NONE, plan.kafka().topicLayout(), WorkerConfig.DEFAULT_GROUP, plan.startupTimeout(),
                Main.class.getName()), log);
        running.add(() -> cluster.stop(started.startedNodes(), CLUSTER_STOP_TIMEOUT, log));
        return started.bootstrapServers();
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
    java.util.Optional<SimulatedCoordinator> coordinator() {
        return java.util.Optional.ofNullable(coordinator);
    }

    @Override
    public void close() throws Exception {
        running.close();
    }
}
