package org.clonefarm.messaging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.TimeoutException;
import org.clonefarm.proto.CloneEvent;

/**
 * What a topic holds now, read once from its start to its end as of the call ({@link TopicLog#readOnce},
 * with a consumer of the farm's settings: no consumer group, nothing committed, committed records only):
 * for commands and tests that need the requests of a batch or the facts on the events topic. Stateless;
 * each call uses a consumer of its own, so calls are thread-safe.
 */
public final class TopicSnapshot {

    private TopicSnapshot() {
    }

    /**
     * Hands every record of {@code topic} up to its current end to {@code each}, on the calling thread, in
     * offset order within a partition.
     *
     * @throws TimeoutException when the brokers cannot be reached, or the end not read, within {@code timeout}
     */
    public static void read(KafkaSettings settings, String topic, String clientId, Duration timeout,
            Consumer<ConsumerRecord<String, byte[]>> each) {
        Objects.requireNonNull(each, "each");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings.consumer(clientId, null))) {
            TopicLog.readOnce(consumer, topic, timeout, each);
        }
    }

    /**
     * Every event on the events topic {@code topic} up to its current end, in offset order within a
     * partition. Records that do not decode are left out: they are the dead-letter topic's business.
     *
     * @throws TimeoutException as {@link #read}
     */
    public static List<CloneEvent> events(KafkaSettings settings, String topic, String clientId, Duration timeout) {
        List<CloneEvent> events = new ArrayList<>();
        read(settings, topic, clientId, timeout, record -> {
            try {
                events.add(ContractCodec.decodeEvent(record.value(),
                        record.topic() + "-" + record.partition() + "@" + record.offset()));
            } catch (ContractException e) {
                // not an event: the coordinator sends it to the dead-letter topic
            }
        });
        return events;
    }
}
