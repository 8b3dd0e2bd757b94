package org.clonefarm.coordinator.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.ContractException;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.proto.CloneRequest;

/**
 * Which clones of a batch have a clone request on the requests topic: read from the topic's start to
 * its end as of the call. A submit of a batch published before asks this to find the clones an earlier,
 * interrupted submit never sent a request for. Stateless; each call uses a consumer of its own (no
 * group), so calls are thread-safe.
 */
@FunctionalInterface
public interface RequestLog {

    /** The userids of {@code batch} with at least one request on the topic. */
    Set<String> requestedUserids(String batch);

    /** The log on the farm's requests topic; a read that cannot reach the end within {@code timeout} fails. */
    static RequestLog onTopic(KafkaSettings settings, TopicLayout layout, Duration timeout) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(timeout, "timeout");
        return batch -> {
            String topic = layout.cloneRequests();
            Set<String> userids = new HashSet<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings.consumer(
                    "clonefarm-request-log-" + ProcessHandle.current().pid(), null))) {
                List<TopicPartition> partitions = new ArrayList<>();
                for (PartitionInfo info : consumer.partitionsFor(topic, timeout)) {
                    partitions.add(new TopicPartition(topic, info.partition()));
                }
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
                while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                    if (System.nanoTime() > deadline) {
                        throw new KafkaException("the requests topic " + topic + " could not be read to its end within "
                                + timeout.toSeconds() + " s; is the Kafka cluster up?");
                    }
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        try {
                            CloneRequest request = ContractCodec.decodeRequest(record.value(), topic + "@" + record.offset());
                            if (request.getBatchId().equals(batch)) {
                                userids.add(request.getUserid());
                            }
                        } catch (ContractException e) {
                            // not a request (the workers dead-letter it); it requests nothing
                        }
                    }
                }
            }
            return userids;
        };
    }
}
