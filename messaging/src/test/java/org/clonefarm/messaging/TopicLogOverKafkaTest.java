package org.clonefarm.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What "caught up" means on a real broker when a topic holds transactions: the end is the last stable
 * offset of {@code read_committed}, so aborted records and markers are passed over and an open
 * transaction does not hold the catch-up back (the MockConsumer knows no transactions).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TopicLogOverKafkaTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private record Handled(String value, boolean live) {
    }

    /** Aborted records are never handed over nor awaited; an open transaction's record comes live once committed. */
    @Test
    void catchUpPassesOverAbortedTransactionsAndDoesNotWaitForAnOpenOne() throws Exception {
        KafkaSettings settings = KafkaSettings.of(KAFKA.bootstrapServers());
        String topic = "topic-log-transactions";
        try (Admin admin = Admin.create(settings.admin("test-admin"))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, byte[]> plain = new KafkaProducer<>(settings.producer("plain"));
                KafkaProducer<String, byte[]> aborting = transactional(settings, "aborting");
                KafkaProducer<String, byte[]> open = transactional(settings, "open")) {
            plain.send(record(topic, "committed-1")).get();
            aborting.beginTransaction();
            aborting.send(record(topic, "aborted-1"));
            aborting.send(record(topic, "aborted-2"));
            aborting.abortTransaction();
            plain.send(record(topic, "committed-2")).get();
            open.beginTransaction();
            open.send(record(topic, "open-1")).get(); // written, not committed: the last stable offset stays before it

            List<Handled> handled = new CopyOnWriteArrayList<>();
            try (TopicLog<String, byte[]> log = new TopicLog<>("transactions", topic,
                    () -> new KafkaConsumer<>(settings.consumer("log-reader", null)),
                    (record, live) -> handled.add(new Handled(new String(record.value()), live)))) {
                log.start().get(30, TimeUnit.SECONDS);
                assertThat(handled).containsExactly(new Handled("committed-1", false), new Handled("committed-2", false));

                open.commitTransaction();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(handled)
                        .containsExactly(new Handled("committed-1", false), new Handled("committed-2", false),
                                new Handled("open-1", true)));
                log.readToEnd().get(20, TimeUnit.SECONDS);
                assertThat(handled).hasSize(3);
            }
        }
    }

    private static KafkaProducer<String, byte[]> transactional(KafkaSettings settings, String id) {
        Map<String, Object> config = settings.producer(id);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "topic-log-test-" + id);
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config);
        producer.initTransactions();
        return producer;
    }

    private static ProducerRecord<String, byte[]> record(String topic, String value) {
        return new ProducerRecord<>(topic, "key", value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
