package org.clonefarm.coordinator.state;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InterruptException;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.ContractException;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicSnapshot;

/**
 * The farm's state right now: the events topic up to its end as of the call ({@link TopicSnapshot}),
 * folded into a fresh {@link CloneStateStore} on the calling thread. Stateless and thread-safe.
 */
public final class EventLogSnapshot {

    private EventLogSnapshot() {
    }

    /**
     * Folds the events topic up to its end as of now; records that are no event are left out (the
     * coordinator dead-letters them).
     *
     * @throws TimeoutException when the end is not read within {@code timeout} (broker down?)
     * @throws ExecutionException when the topic cannot be read (the Kafka client's error is the cause)
     * @throws InterruptedException when the calling thread is interrupted while reading
     */
    public static CloneStateStore read(KafkaSettings settings, TopicLayout layout, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        CloneStateStore store = new CloneStateStore();
        String topic = layout.events();
        try {
            TopicSnapshot.read(settings, topic, "clonefarm-snapshot-" + ProcessHandle.current().pid(), timeout,
                    record -> {
                        try {
                            store.apply(ContractCodec.decodeEvent(record.value(),
                                    topic + "/" + record.partition() + "@" + record.offset()));
                        } catch (ContractException e) {
                            // not an event: the coordinator's fold sends it to the dead-letter topic
                        }
                    });
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            TimeoutException timedOut = new TimeoutException(e.getMessage());
            timedOut.initCause(e);
            throw timedOut;
        } catch (InterruptException e) {
            Thread.interrupted(); // the client set the flag again; the checked exception carries it now
            InterruptedException interrupted = new InterruptedException("reading " + topic + " was interrupted");
            interrupted.initCause(e);
            throw interrupted;
        } catch (KafkaException e) {
            throw new ExecutionException("reading " + topic + " failed: " + e.getMessage(), e);
        }
        return store;
    }
}
