package org.clonefarm.cli.simulation;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.proto.CloneEvent;

/**
 * The events on the events topic now that a filter accepts ({@link TopicSnapshot#events}: read once from
 * its start to its current end, no consumer group, nothing committed, undecodable records left out): for
 * {@code clonefarm verify} and tests that check what the agents reported. Stateless and thread-safe.
 */
public final class TopicEvents {

    private TopicEvents() {
    }

    /**
     * Every decodable event on {@code topic} that {@code filter} accepts, in offset order within a partition.
     *
     * @throws org.apache.kafka.common.KafkaException when the brokers cannot be reached within {@code timeout}
     */
    public static List<CloneEvent> read(KafkaSettings settings, String topic, Predicate<CloneEvent> filter, Duration timeout) {
        return TopicSnapshot.events(settings, topic, "clonefarm-verify", timeout).stream().filter(filter).toList();
    }
}
