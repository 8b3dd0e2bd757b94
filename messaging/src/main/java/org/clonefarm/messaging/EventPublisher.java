package org.clonefarm.messaging;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneRequest;

/**
 * Publishes events and clone requests on their topics, keyed by userid, and reports each send as a
 * future that completes when the broker has acknowledged it ({@code acks=all}). Thread-safe as the
 * producer it wraps is; the producer's owner closes it.
 */
public final class EventPublisher {
    private final Producer<String, byte[]> producer;
    private final TopicLayout layout;
    private final EventFactory events;

    public EventPublisher(Producer<String, byte[]> producer, TopicLayout layout, EventFactory events) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.events = Objects.requireNonNull(events, "events");
    }

    /** The factory that starts this publisher's events (its producer id). */
    public EventFactory events() {
        return events;
    }

    public CompletableFuture<RecordMetadata> publish(CloneEvent event) {
        return send(new ProducerRecord<>(layout.events(), event.getUserid(), ContractCodec.encode(event)));
    }

    public CompletableFuture<RecordMetadata> publish(CloneRequest request) {
        return send(new ProducerRecord<>(layout.cloneRequests(), request.getUserid(), ContractCodec.encode(request)));
    }

    /** Blocks until every record sent so far is acknowledged or failed. */
    public void flush() {
        producer.flush();
    }

    private CompletableFuture<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        CompletableFuture<RecordMetadata> result = new CompletableFuture<>();
        producer.send(record, (metadata, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(metadata);
            }
        });
        return result;
    }
}
