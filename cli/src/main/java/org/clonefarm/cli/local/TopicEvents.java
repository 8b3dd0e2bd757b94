package org.clonefarm.cli.local;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.ContractException;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.proto.CloneEvent;

/**
 * Reads the events topic from its start to its current end, once (no consumer group, nothing
 * committed): for {@code clonefarm verify} and tests that check what the agents reported. Records
 * that do not decode are skipped (they belong in the dead-letter topic). Stateless and thread-safe.
 */
public final class TopicEvents {

    private TopicEvents() {
    }

    /**
     * Every decodable event on {@code topic} that {@code filter} accepts, in partition then offset order.
     *
     * @throws org.apache.kafka.common.KafkaException when the brokers cannot be reached within {@code timeout}
     */
    public static List<CloneEvent> read(KafkaSettings settings, String topic, Predicate<CloneEvent> filter, Duration timeout) {
        List<CloneEvent> events = new ArrayList<>();
        TopicSnapshot.read(settings, topic, "clonefarm-verify", timeout, record -> {
            try {
                CloneEvent event = ContractCodec.decodeEvent(record.value(), topic + "-" + record.partition() + "@"
                        + record.offset());
                if (filter.test(event)) {
                    events.add(event);
                }
            } catch (ContractException e) {
                // not ours to judge here: the coordinator sends such records to the dead-letter topic
            }
        });
        return events;
    }
}
