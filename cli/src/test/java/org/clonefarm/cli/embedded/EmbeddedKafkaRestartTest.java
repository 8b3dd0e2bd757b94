package org.clonefarm.cli.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The product's embedded broker keeps its topics and records across a restart on the same data directory. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EmbeddedKafkaRestartTest {

    @Test
    void restartOnTheSameDirectoryKeepsTopicsAndRecords(@TempDir Path data) throws Exception {
        TopicLayout layout = TopicLayout.defaults();
        String firstServers;
        try (EmbeddedKafka broker = EmbeddedKafka.start(data, 0, Duration.ofSeconds(60))) {
            firstServers = broker.bootstrapServers();
            KafkaSettings settings = KafkaSettings.of(broker.bootstrapServers());
            try (Admin admin = Admin.create(settings.admin("t"))) {
                assertThat(layout.ensure(admin, 30_000)).hasSize(5);
            }
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("p"))) {
                for (int i = 0; i < 100; i++) {
                    producer.send(new ProducerRecord<>(layout.events(), 0, "LINUX" + i, ("event-" + i).getBytes()))
                            .get(30, TimeUnit.SECONDS);
                }
            }
        }
        try (EmbeddedKafka broker = EmbeddedKafka.start(data, 0, Duration.ofSeconds(60))) {
            assertThat(broker.bootstrapServers()).as("the free previous port is reused").isEqualTo(firstServers);
            KafkaSettings settings = KafkaSettings.of(broker.bootstrapServers());
            try (Admin admin = Admin.create(settings.admin("t"))) {
                assertThat(layout.ensure(admin, 30_000)).as("topics survived: nothing to create").isEmpty();
            }
            List<String> values = new ArrayList<>();
            TopicSnapshot.read(settings, layout.events(), "c", Duration.ofSeconds(60),
                    record -> values.add(new String(record.value())));
            assertThat(values).hasSize(100).startsWith("event-0", "event-1").endsWith("event-99");
        }
    }

    @Test
    void refusesAPortOutsideTheRange(@TempDir Path data) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EmbeddedKafka.start(data, 70000, Duration.ofSeconds(1)))
                .hasMessageContaining("70000");
    }
}
