package org.clonefarm.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.state.TestEvents;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CloneStatus;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The coordinator's state is the fold of the events topic: rebuilt exactly at every start, published to status. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EventFolderTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static TopicLayout freshTopics(String prefix) throws Exception {
        TopicLayout layout = TopicLayout.builder().prefix(prefix).eventPartitions(4).build();
        try (Admin admin = KAFKA.broker().admin()) {
            layout.ensure(admin, 30_000);
        }
        return layout;
    }

    private static List<CloneEvent> batchOf(int clones) {
        TestEvents events = new TestEvents("web");
        List<CloneEvent> stream = new ArrayList<>();
        stream.add(events.batchPlanned(clones));
        for (int i = 1; i <= clones; i++) {
            String u = String.format("LINUX%03d", i);
            stream.add(events.planned(u, 1000));
            stream.add(events.copyStarted(u, 1000));
            stream.add(events.progress(u, "0200", 500));
            if (i % 5 == 0) {
                stream.add(events.copyFailed(u, 1));
                continue;
            }
            stream.add(events.diskCopied(u, "0200", 1000));
            stream.add(events.copied(u));
            if (i % 2 == 0) {
                stream.add(events.startRequested(u));
                stream.add(events.agentStarted(u));
                stream.add(events.rebooting(u));
                stream.add(events.ready(u));
            }
        }
        return stream;
    }

    private static void publish(KafkaSettings settings, TopicLayout layout, List<CloneEvent> stream) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("test"))) {
            for (CloneEvent event : stream) {
                producer.send(new ProducerRecord<>(layout.events(), event.getUserid(), ContractCodec.encode(event)));
            }
            producer.flush();
        }
    }

    private static CloneStateStore foldFromKafka(KafkaSettings settings, TopicLayout layout,
            EventFolder.Listener listener) throws Exception {
        CloneStateStore store = new CloneStateStore();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("folder"));
                EventFolder folder = new EventFolder(settings, layout, store, producer, "coordinator-test", listener)) {
            folder.start().get(60, TimeUnit.SECONDS);
        }
        return store;
    }

    @Test
    void restartedCoordinatorRebuildsExactlyTheStateOfALocalFold() throws Exception {
        KafkaSettings settings = KafkaSettings.of(KAFKA.bootstrapServers());
        TopicLayout layout = freshTopics("rebuild.");
        List<CloneEvent> stream = batchOf(50);
        publish(settings, layout, stream);

        CloneStateStore expected = new CloneStateStore();
        stream.forEach(expected::apply);

        CloneStateStore first = foldFromKafka(settings, layout, null);
        CloneStateStore second = foldFromKafka(settings, layout, null); // "restart"
        assertThat(first.allStatuses()).hasSize(50).containsExactlyInAnyOrderElementsOf(expected.allStatuses());
        assertThat(second.allStatuses()).containsExactlyInAnyOrderElementsOf(first.allStatuses());
        assertThat(second.batch("web")).isEqualTo(expected.batch("web"));
        assertThat(second.batch("web").count(CloneState.CLONE_STATE_READY)).isEqualTo(20);
        assertThat(second.batch("web").count(CloneState.CLONE_STATE_FAILED)).isEqualTo(10);
        assertThat(second.batch("web").count(CloneState.CLONE_STATE_COPIED)).isEqualTo(20);
    }

    @Test
    void statusTopicHoldsTheLatestStatusOfEveryClone() throws Exception {
        KafkaSettings settings = KafkaSettings.of(KAFKA.bootstrapServers());
        TopicLayout layout = freshTopics("status.");
        List<CloneEvent> stream = batchOf(30);
        publish(settings, layout, stream);
        CloneStateStore store = foldFromKafka(settings, layout, null);

        Map<String, CloneStatus> latest = new HashMap<>();
        TopicSnapshot.read(settings, layout.status(), "reader", Duration.ofSeconds(60),
                record -> latest.put(record.key(), ContractCodec.decodeStatus(record.value(), "test")));
        assertThat(latest.values()).containsExactlyInAnyOrderElementsOf(store.allStatuses());
    }

    @Test
    void liveEventsAreMarkedLiveAndPoisonGoesToTheDeadLetterTopic() throws Exception {
        KafkaSettings settings = KafkaSettings.of(KAFKA.bootstrapServers());
        TopicLayout layout = freshTopics("live.");
        List<CloneEvent> history = batchOf(5);
        publish(settings, layout, history);
        CloneStateStore store = new CloneStateStore();
        List<Boolean> liveFlags = new CopyOnWriteArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("folder"));
                EventFolder folder = new EventFolder(settings, layout, store, producer, "coordinator-test",
                        (event, outcome, live) -> liveFlags.add(live))) {
            folder.start().get(60, TimeUnit.SECONDS);
            assertThat(liveFlags).hasSize(history.size()).containsOnly(false);
            TestEvents events = new TestEvents("web");
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(settings.producer("late"))) {
                p.send(new ProducerRecord<>(layout.events(), "LINUX001", new byte[] {1, 2, 3, (byte) 0xff})).get();
                p.send(new ProducerRecord<>(layout.events(), "LINUX001",
                        ContractCodec.encode(events.startRequested("LINUX001")))).get();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> liveFlags.size() == history.size() + 1);
            assertThat(liveFlags).hasSize(history.size() + 1).endsWith(true);
            assertThat(store.status("LINUX001").getState()).isEqualTo(CloneState.CLONE_STATE_STARTING);
        }
        List<ConsumerRecord<String, byte[]>> letters = new ArrayList<>(); // the producer's close sent them all
        TopicSnapshot.read(settings, layout.deadLetters(), "dlq", Duration.ofSeconds(30), letters::add);
        assertThat(letters).hasSize(1);
        var letter = ContractCodec.decodeDeadLetter(letters.get(0).value(), "test");
        assertThat(letter.getTopic()).isEqualTo(layout.events());
        assertThat(letter.getReason()).contains("not a CloneEvent");
        assertThat(letter.getValue().toByteArray()).containsExactly(1, 2, 3, (byte) 0xff);
    }
}
