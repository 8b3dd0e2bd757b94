package org.clonefarm.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.clonefarm.coordinator.commands.BatchCommands;
import org.clonefarm.coordinator.state.EventLogSnapshot;
import org.clonefarm.coordinator.simulation.SimulationBatchCommands;
import org.clonefarm.coordinator.publish.BatchPublisher;
import org.clonefarm.coordinator.publish.RequestLog;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.simulation.SimulationDataDirectory;

/**
 * What an operator's command (submit, status, retry, cancel) works with: the farm's Kafka, the
 * state as of now (a fold of the events topic), the batch commands on the local simulation and the
 * batch publisher the DirMaint path uses.
 * Closing it flushes and closes the producer.
 */
final class OperatorSession implements AutoCloseable {
    private static final Duration SNAPSHOT_TIMEOUT = Duration.ofSeconds(60);

    private final FarmConnection connection;
    private final KafkaProducer<String, byte[]> producer;
    private final BatchCommands commands;
    private final BatchPublisher batchPublisher;

    OperatorSession(KafkaOptions kafka, Path dataDirectory, String who) {
        this.connection = FarmConnection.open(kafka, dataDirectory);
        String id = who + "-" + ProcessHandle.current().pid();
        this.producer = new KafkaProducer<>(connection.settings().producer(id));
        // only submit and retry publish requests: status and cancel never touch the key file
        EventPublisher publisher = EventPublisher.withRequestKeyOnDemand(producer, connection.layout(),
                new EventFactory(id), () -> FarmKeyOption.loadOrCreateAt(FarmKey.defaultFile(dataDirectory)));
        RequestLog requests = RequestLog.onTopic(connection.settings(), connection.layout(), SNAPSHOT_TIMEOUT);
        this.batchPublisher = new BatchPublisher(publisher, requests);
        this.commands = new SimulationBatchCommands(SimulationDataDirectory.at(dataDirectory), publisher, this::state, requests,
                CloneLayout.NAMES_FILE, Duration.ofSeconds(60), Clock.systemUTC());
    }

    BatchCommands commands() {
        return commands;
    }

    /** Publishes a planned batch's events and requests (the DirMaint path, which has no local simulation). */
    BatchPublisher batchPublisher() {
        return batchPublisher;
    }

    /** The farm's state now, folded from the events topic. */
    CloneStateStore state() {
        try {
            return EventLogSnapshot.read(connection.settings(), connection.layout(), SNAPSHOT_TIMEOUT);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new UserError("the events topic could not be read to its end within " + SNAPSHOT_TIMEOUT.toSeconds()
                    + " s; is the Kafka cluster up?", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new UserError("reading the events topic failed: " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while reading the events topic", e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
