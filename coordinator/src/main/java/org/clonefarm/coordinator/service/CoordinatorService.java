package org.clonefarm.coordinator.service;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.clonefarm.coordinator.commands.BatchCommands;
import org.clonefarm.coordinator.simulation.SimulationBatchCommands;
import org.clonefarm.coordinator.publish.RequestLog;
import org.clonefarm.coordinator.orchestration.GuestStarter;
import org.clonefarm.coordinator.orchestration.OrchestrationSettings;
import org.clonefarm.coordinator.orchestration.Orchestrator;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator, assembled: the fold of the events topic ({@link EventFolder}) into the clone
 * state, the {@link Orchestrator} that starts copied clones and enforces timeouts, and the
 * {@link BatchCommands} that submit, retry and cancel. One active coordinator per farm; its state is
 * rebuilt from the topic at every start.
 *
 * <p>Lifecycle: {@link #start} returns at once; {@link #ready()} completes when the replay is done
 * and the coordinator acts on live events. {@link #close()} stops everything and flushes.
 * Thread-safe.
 */
public final class CoordinatorService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorService.class);

    private final KafkaProducer<String, byte[]> producer;
    private final CloneStateStore store;
    private final Orchestrator orchestrator;
    private final EventFolder folder;
    private final BatchCommands commands;
    private final CompletableFuture<Void> ready;

    private CoordinatorService(KafkaProducer<String, byte[]> producer, CloneStateStore store, Orchestrator orchestrator,
            EventFolder folder, BatchCommands commands, CompletableFuture<Void> ready) {
        this.producer = producer;
        this.store = store;
        this.orchestrator = orchestrator;
        this.folder = folder;
        this.commands = commands;
        this.ready = ready;
    }

    /**
     * Starts the coordinator on the local simulation in {@code data}.
     *
     * @param id the coordinator's producer id in events, e.g. {@code coordinator-HOST}
     * @param starter how guests are started (XAUTOLOG through the local CP or vmcp)
     * @param farmKey the key clone requests are signed with (workers copy no other request)
     * @param extraListeners given the store, the listeners told of every folded event after the
     *     orchestrator (the HTTP event stream, metrics)
     */
    public static CoordinatorService start(String id, KafkaSettings settings, TopicLayout layout, SimulationDataDirectory data,
            FarmKey farmKey, GuestStarter starter, OrchestrationSettings orchestration,
            java.util.function.Function<CloneStateStore, List<EventFolder.Listener>> extraListeners) {
        Objects.requireNonNull(id, "id");
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer(id));
        try {
            CloneStateStore store = new CloneStateStore();
            EventPublisher publisher = new EventPublisher(producer, layout, new EventFactory(id),
                    Objects.requireNonNull(farmKey, "farmKey"));
            Orchestrator orchestrator = new Orchestrator(store, publisher, starter, orchestration, Clock.systemUTC());
            List<EventFolder.Listener> listeners = new ArrayList<>();
            listeners.add(orchestrator);
            listeners.addAll(extraListeners.apply(store));
            EventFolder folder = new EventFolder(settings, layout, store, producer, id, (event, outcome, live) -> {
                for (EventFolder.Listener listener : listeners) {
                    listener.onFolded(event, outcome, live);
                }
            });
            BatchCommands commands = new SimulationBatchCommands(data, publisher, () -> store,
                    RequestLog.onTopic(settings, layout, Duration.ofSeconds(60)), CloneLayout.NAMES_FILE,
                    Duration.ofSeconds(60), Clock.systemUTC());
            CompletableFuture<Void> ready = folder.start().thenRun(() -> {
                orchestrator.onCaughtUp();
                LOG.info("coordinator {} is live: {} clones in {} batches", id, store.allStatuses().size(),
                        store.batchIds().size());
            });
            return new CoordinatorService(producer, store, orchestrator, folder, commands, ready);
        } catch (RuntimeException e) {
            producer.close();
            throw e;
        }
    }

    /** Completes when the state is rebuilt and the coordinator acts on new events. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    public CloneStateStore store() {
        return store;
    }

    public BatchCommands commands() {
        return commands;
    }

    /** The fold of the events topic (for its consumer lag). */
    public EventFolder folder() {
        return folder;
    }

    /** Completes when the fold stops (closed, or failed: then exceptionally). */
    public CompletableFuture<Void> stopped() {
        return folder.stopped();
    }

    @Override
    public void close() throws InterruptedException {
        try {
            orchestrator.close();
        } finally {
            try {
                folder.close();
            } finally {
                producer.close(Duration.ofSeconds(10));
            }
        }
    }
}
