package org.clonefarm.messaging;

import com.google.protobuf.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.clonefarm.proto.CloneEvent;

/**
 * Starts every {@link CloneEvent} a component produces: a fresh UUID event id, the producer's id
 * and the time. Consumers drop duplicates by event id, so a re-sent event must keep its id: build
 * it once, keep the built message, send that. Thread-safe.
 */
public final class EventFactory {
    private final String producerId;
    private final Clock clock;

    public EventFactory(String producerId) {
        this(producerId, Clock.systemUTC());
    }

    public EventFactory(String producerId, Clock clock) {
        if (Objects.requireNonNull(producerId, "producerId").isBlank()) {
            throw new IllegalArgumentException("producer id must not be blank");
        }
        this.producerId = producerId;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public String producerId() {
        return producerId;
    }

    /** A builder with id, producer and time set; the caller sets the fact and builds. */
    public CloneEvent.Builder newEvent(String batchId, String userid, int attempt) {
        return CloneEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setBatchId(Objects.requireNonNull(batchId, "batchId"))
                .setUserid(userid == null ? "" : userid)
                .setAttempt(attempt)
                .setProducerId(producerId)
                .setTime(timestamp(clock.instant()));
    }

    public static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    public static Instant instant(Timestamp timestamp) {
        return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
    }
}
