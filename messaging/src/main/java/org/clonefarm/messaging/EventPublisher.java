package org.clonefarm.messaging;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneRequest;

/**
 * Publishes events and clone requests on their topics, keyed by userid, and reports each send as a
 * future that completes when the broker has acknowledged it ({@code acks=all}). Clone requests are
 * signed with the farm key ({@link RequestSignature}); a publisher made without a key publishes events
 * only. Thread-safe as the producer it wraps is; the producer's owner closes it.
 */
public final class EventPublisher {
    private final Producer<String, byte[]> producer;
    private final TopicLayout layout;
    private final EventFactory events;
    /** The farm key, asked for at the first request published; null for a publisher of events only. */
    private final Supplier<FarmKey> requestKey;

    /** A publisher of events only (workers, agents): {@link #publish(CloneRequest)} refuses. */
    public EventPublisher(Producer<String, byte[]> producer, TopicLayout layout, EventFactory events) {
        this(producer, layout, events, (Supplier<FarmKey>) null);
    }

    /** A publisher of events and of clone requests signed with {@code requestKey} (the coordinator's). */
    public EventPublisher(Producer<String, byte[]> producer, TopicLayout layout, EventFactory events,
            FarmKey requestKey) {
        this(producer, layout, events, constant(Objects.requireNonNull(requestKey, "requestKey")));
    }

    private EventPublisher(Producer<String, byte[]> producer, TopicLayout layout, EventFactory events,
            Supplier<FarmKey> requestKey) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.events = Objects.requireNonNull(events, "events");
        this.requestKey = requestKey;
    }

    /**
     * A publisher whose farm key is read (or made) only when it first publishes a clone request: for the
     * operator's commands, most of which publish none and must not need the key file.
     */
    public static EventPublisher withRequestKeyOnDemand(Producer<String, byte[]> producer, TopicLayout layout,
            EventFactory events, Supplier<FarmKey> requestKey) {
        Objects.requireNonNull(requestKey, "requestKey");
        FarmKey[] loaded = new FarmKey[1];
        return new EventPublisher(producer, layout, events, () -> {
            synchronized (loaded) {
                if (loaded[0] == null) {
                    loaded[0] = requestKey.get();
                }
                return loaded[0];
            }
        });
    }

    private static Supplier<FarmKey> constant(FarmKey key) {
        return () -> key;
    }

    /** The factory that starts this publisher's events (its producer id). */
    public EventFactory events() {
        return events;
    }

    public CompletableFuture<RecordMetadata> publish(CloneEvent event) {
        return send(new ProducerRecord<>(layout.events(), event.getUserid(), ContractCodec.encode(event)));
    }

    /**
     * Publishes a clone request with the farm's signature.
     *
     * @throws IllegalStateException when this publisher has no farm key
     */
    public CompletableFuture<RecordMetadata> publish(CloneRequest request) {
        if (requestKey == null) {
            throw new IllegalStateException("publisher " + events.producerId() + " has no farm key: it publishes events"
                    + " only, never clone requests");
        }
        return send(signedRequest(layout, request, requestKey.get()));
    }

    /** The record of a clone request on the requests topic, keyed by userid, signed with {@code key}. */
    public static ProducerRecord<String, byte[]> signedRequest(TopicLayout layout, CloneRequest request, FarmKey key) {
        byte[] value = ContractCodec.encode(request);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(layout.cloneRequests(), request.getUserid(), value);
        record.headers().add(RequestSignature.header(key, request.getUserid(), value));
        return record;
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
