package org.clonefarm.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.CloneStatus;
import org.clonefarm.testsupport.ContractSamples;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every contract type goes through a real broker on its topic and comes back equal. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ContractOverKafkaTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void everyContractTypeRoundTripsThroughItsTopic() throws Exception {
        KafkaSettings settings = KafkaSettings.of(KAFKA.bootstrapServers());
        TopicLayout layout = TopicLayout.builder().prefix("roundtrip.").build();
        try (Admin admin = Admin.create(settings.admin("test-admin"))) {
            layout.ensure(admin, 30_000);
        }
        List<Message> samples = ContractSamples.all();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("test-producer"))) {
            for (Message sample : samples) {
                producer.send(new ProducerRecord<>(topicOf(layout, sample), "LINUX001", ContractCodec.encode(sample)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
        List<Message> received = new ArrayList<>();
        for (String topic : layout.allTopics()) {
            TopicSnapshot.read(settings, topic, "test-consumer", Duration.ofSeconds(60), record -> {
                assertThat(record.key()).isEqualTo("LINUX001");
                received.add(decode(layout, record));
            });
        }
        assertThat(received).containsExactlyInAnyOrderElementsOf(samples);
    }

    private static String topicOf(TopicLayout layout, Message sample) {
        if (sample instanceof CloneRequest) {
            return layout.cloneRequests();
        } else if (sample instanceof CloneEvent) {
            return layout.events();
        } else if (sample instanceof CloneStatus) {
            return layout.status();
        }
        return layout.deadLetters();
    }

    private static Message decode(TopicLayout layout, ConsumerRecord<String, byte[]> record) {
        String origin = record.topic() + "/" + record.partition() + "@" + record.offset();
        Map<String, java.util.function.Function<byte[], Message>> decoders = Map.of(
                layout.cloneRequests(), v -> ContractCodec.decodeRequest(v, origin),
                layout.events(), v -> ContractCodec.decodeEvent(v, origin),
                layout.status(), v -> ContractCodec.decodeStatus(v, origin),
                layout.deadLetters(), v -> ContractCodec.decodeDeadLetter(v, origin));
        Message message = decoders.get(record.topic()).apply(record.value());
        return message;
    }
}
