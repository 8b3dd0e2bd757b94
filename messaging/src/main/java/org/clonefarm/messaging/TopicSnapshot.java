package org.clonefarm.messaging;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Reads a topic once from its start to its end as of the call (no consumer group, nothing committed):
 * for commands that need what a topic holds now, such as the requests of a batch or the agents' facts.
 * Stateless; each call uses a consumer of its own, so calls are thread-safe.
 */
public final class TopicSnapshot {

    private TopicSnapshot() {
    }

    /**
     * Hands every record of {@code topic} up to its current end to {@code each}, in partition then
     * offset order within a partition.
     *
     * @throws TimeoutException when the brokers cannot be reached, or the end not read, within {@code timeout}
     */
    public static void read(KafkaSettings settings, String topic, String clientId, Duration timeout,
            Consumer<ConsumerRecord<String, byte[]>> each) {
        Objects.requireNonNull(each, "each");
        Instant deadline = Instant.now().plus(timeout);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings.consumer(clientId, null))) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, timeout).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            while (partitions.stream().anyMatch(p -> consumer.position(p, timeout) < end.get(p))) {
                if (Instant.now().isAfter(deadline)) {
                    throw new TimeoutException("reading " + topic + " to its end took longer than " + timeout.toSeconds()
                            + " s; is the Kafka cluster up?");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(each);
            }
        }
    }
}
