package org.clonefarm.messaging;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.clonefarm.proto.DeadLetter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records that no one can parse or apply to the dead-letter topic, with the original bytes,
 * where they came from and why, so the consumer can carry on and a person can look later.
 * Thread-safe as the producer it wraps is.
 */
public final class DeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private final Producer<String, byte[]> producer;
    private final TopicLayout layout;
    private final String producerId;

    public DeadLetters(Producer<String, byte[]> producer, TopicLayout layout, String producerId) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.producerId = Objects.requireNonNull(producerId, "producerId");
    }

    /**
     * Sends the record with the reason. The caller may commit the record's offset once the returned
     * future completes: the letter is then durable on the DLQ topic.
     */
    public Future<RecordMetadata> send(ConsumerRecord<String, byte[]> record, String reason) {
        LOG.warn("dead letter from {}/{}@{} (key {}): {}", record.topic(), record.partition(), record.offset(),
                record.key(), reason);
        DeadLetter.Builder letter = DeadLetter.newBuilder()
                .setTopic(record.topic())
                .setPartition(record.partition())
                .setOffset(record.offset())
                .setReason(reason)
                .setProducerId(producerId)
                .setTime(EventFactory.timestamp(Instant.now()));
        if (record.key() != null) {
            letter.setKey(ByteString.copyFrom(record.key(), StandardCharsets.UTF_8));
        }
        if (record.value() != null) {
            letter.setValue(ByteString.copyFrom(record.value()));
        }
        return producer.send(new ProducerRecord<>(layout.deadLetters(), record.key(), letter.build().toByteArray()));
    }
}
