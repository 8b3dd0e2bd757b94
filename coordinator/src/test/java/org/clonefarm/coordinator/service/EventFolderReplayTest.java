package org.clonefarm.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.state.TestEvents;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.testsupport.MockTopicConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fold's replay on Kafka's MockConsumer and MockProducer: what it publishes, and what only live events do. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EventFolderReplayTest {
    private final TopicLayout layout = TopicLayout.defaults();
    private final MockTopicConsumer<String, byte[]> consumer = new MockTopicConsumer<>(layout.events(), 2);
    private final MockProducer<String, byte[]> producer =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    private final TestEvents events = new TestEvents("web");

    private void append(CloneEvent event) {
        consumer.append(partitionOf(event.getUserid()), event.getUserid(), ContractCodec.encode(event));
    }

    private TopicPartition partitionOf(String userid) {
        return new TopicPartition(layout.events(), Math.abs(userid.hashCode()) % 2);
    }

    private List<ProducerRecord<String, byte[]>> sentTo(String topic) {
        return producer.history().stream().filter(r -> r.topic().equals(topic)).toList();
    }

    /** A replay of many facts publishes one status per clone (its final one), not one per fact. */
    @Test
    void replayPublishesOneStatusPerChangedClone() throws Exception {
        append(events.batchPlanned(3));
        for (String userid : List.of("LINUX001", "LINUX002", "LINUX003")) {
            append(events.planned(userid, 1000));
            append(events.copyStarted(userid, 1000));
            append(events.progress(userid, "0200", 500));
            append(events.diskCopied(userid, "0200", 1000));
            append(events.copied(userid));
        }
        CloneStateStore store = new CloneStateStore();
        try (EventFolder folder = new EventFolder(() -> consumer, layout, store, producer, "test", null)) {
            folder.start().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> sentTo(layout.status()).size() >= 3);
            assertThat(folder.eventsFolded()).isEqualTo(16);
        }
        assertThat(sentTo(layout.status())).extracting(ProducerRecord::key)
                .containsExactlyInAnyOrder("LINUX001", "LINUX002", "LINUX003");
        assertThat(sentTo(layout.status())).allSatisfy(record -> assertThat(
                ContractCodec.decodeStatus(record.value(), "status")).isEqualTo(store.status(record.key())));
    }

    /**
     * A record that is no event is dead-lettered once: when it is folded live, not again at every replay;
     * the listener hears only decodable events, with the live flag of their place in the topic.
     */
    @Test
    void poisonIsDeadLetteredOnlyWhenLive() throws Exception {
        consumer.append(partitionOf("LINUX001"), "LINUX001", new byte[] {1, 2, 3});
        append(events.planned("LINUX001", 1000));
        List<Boolean> live = new CopyOnWriteArrayList<>();
        try (EventFolder folder = new EventFolder(() -> consumer, layout, new CloneStateStore(), producer, "test",
                (event, outcome, isLive) -> live.add(isLive))) {
            folder.start().get(10, TimeUnit.SECONDS);
            assertThat(live).containsExactly(false);

            consumer.append(partitionOf("LINUX002"), "LINUX002", new byte[] {4, 5, 6});
            append(events.planned("LINUX002", 1000));

            await().atMost(Duration.ofSeconds(10)).until(() -> live.size() == 2);
            assertThat(live).containsExactly(false, true);
        }
        assertThat(sentTo(layout.deadLetters())).extracting(ProducerRecord::key).containsExactly("LINUX002");
    }
}
