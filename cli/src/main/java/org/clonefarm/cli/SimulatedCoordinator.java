package org.clonefarm.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clonefarm.cli.simulation.LoopMountGuestRuntime;
import org.clonefarm.cli.simulation.QemuGuestRuntime;
import org.clonefarm.platform.cp.GuestRuntime;
import org.clonefarm.coordinator.http.CoordinatorHttpServer;
import org.clonefarm.coordinator.http.EventHub;
import org.clonefarm.coordinator.http.HttpSettings;
import org.clonefarm.coordinator.metrics.CoordinatorMetrics;
import org.clonefarm.coordinator.orchestration.CpGuestStarter;
import org.clonefarm.coordinator.orchestration.OrchestrationSettings;
import org.clonefarm.coordinator.service.CoordinatorService;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.simulation.SimulationDataDirectory;

/**
 * The coordinator on the local simulation, with everything around it: the simulated CP whose
 * XAUTOLOG boots guests with the {@link LoopMountGuestRuntime} (loop-mounted disks, the real agent) or the
 * {@link QemuGuestRuntime} (virtual machines booting the clones' disks; {@link GuestRuntimeOptions}),
 * the coordinator service, its metrics, and the HTTP API with the dashboard. What {@code up},
 * {@code coordinator} and {@code demo} run. {@link #close()} stops the parts in reverse order.
 */
final class SimulatedCoordinator implements AutoCloseable {
    /** The userid the coordinator issues CP commands as. */
    static final Userid COORDINATOR_USERID = new Userid("CFCOORD");

    private final StartedParts parts = new StartedParts();
    private final CoordinatorService service;
    private final CoordinatorHttpServer http;
    private final GuestRuntime runtime;
    private final PrometheusMeterRegistry registry;

    private SimulatedCoordinator(CoordinatorService service, CoordinatorHttpServer http, GuestRuntime runtime,
            PrometheusMeterRegistry registry) {
        this.service = service;
        this.http = http;
        this.runtime = runtime;
        this.registry = registry;
    }

    /**
     * Starts it all and waits until the coordinator has rebuilt its state and the HTTP API listens.
     *
     * @param farmKey the key the coordinator signs clone requests with
     * @param guests the guest runtime and its settings
     * @param guestKafkaConfig the Kafka client file the guest agents take (the guests' principal), or null
     * @param guestBroker QEMU guests: the broker's listener for them, or null (their events stay spooled)
     */
    static SimulatedCoordinator start(Path dataDir, FarmKey farmKey, KafkaSettings settings, TopicLayout layout, HttpSettings httpSettings,
            OrchestrationSettings orchestration, GuestRuntimeOptions.Plan guests, Path guestKafkaConfig,
            QemuGuestRuntime.GuestBroker guestBroker) throws Exception {
        SimulationDataDirectory data = SimulationDataDirectory.at(dataDir);
        StartedParts started = new StartedParts();
        try {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            started.add(registry::close);
            GuestRuntime runtime;
            if (guests.kind() == GuestRuntimeOptions.Kind.QEMU) {
                QemuGuestRuntime qemu = new QemuGuestRuntime(QemuGuestRuntime.Settings.of(data, layout.prefix(), guestBroker)
                        .with(guests.concurrency(), guests.memoryMib(), guests.accel(), guests.keepRunning()));
                started.add(qemu);
                runtime = qemu;
            } else {
                LoopMountGuestRuntime loop = new LoopMountGuestRuntime(
                        LoopMountGuestRuntime.Settings.of(data, settings.bootstrapServers(), layout.prefix())
                                .withConcurrency(guests.concurrency()).withAgentKafkaConfig(guestKafkaConfig));
                started.add(loop);
                runtime = loop;
            }
            SimulatedCp cp = new SimulatedCp(data, runtime, "ZVMSIM");
            started.add(cp);
            EventHub[] hub = new EventHub[1];
            CoordinatorMetrics[] metrics = new CoordinatorMetrics[1];
            CoordinatorService service = CoordinatorService.start("coordinator-" + ProcessHandle.current().pid(),
                    settings, layout, data, farmKey, new CpGuestStarter(cp.session(COORDINATOR_USERID)), orchestration, store -> {
                        hub[0] = new EventHub(store);
                        metrics[0] = new CoordinatorMetrics(registry, store);
                        return List.of(hub[0], metrics[0]);
                    });
            started.add(service);
            metrics[0].bindFold(service.folder()).bindGuestRelay(service.guestRelay());
            service.ready().get(120, TimeUnit.SECONDS);
            Vertx vertx = Vertx.vertx();
            started.add(() -> vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
            CoordinatorHttpServer http = CoordinatorHttpServer.start(vertx, httpSettings, hub[0], service.commands(), registry)
                    .get(30, TimeUnit.SECONDS);
            started.add(http);
            SimulatedCoordinator coordinator = new SimulatedCoordinator(service, http, runtime, registry);
            coordinator.parts.takeAll(started);
            return coordinator;
        } catch (Exception e) {
            started.closeAfter(e);
            throw e;
        }
    }

    CoordinatorService service() {
        return service;
    }

    /** {@code http://HOST:PORT/} of the API and dashboard. */
    String url() {
        return http.url();
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    GuestRuntime runtime() {
        return runtime;
    }

    @Override
    public void close() throws Exception {
        parts.close();
    }
}
