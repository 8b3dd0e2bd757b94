package org.clonefarm.agent.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.clonefarm.messaging.CloneKey;
import org.clonefarm.messaging.GuestEventSignature;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.proto.CloneEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the spool's pending events to the guest-events topic, in spool order, with their original event
 * ids, and moves the delivered offset over the contiguous prefix Kafka acknowledged.
 *
 * <p>Signing happens here, at delivery, not when an event is spooled: each record carries the
 * {@link GuestEventSignature} made with the clone's key when the event is of that key's clone, batch and
 * attempt (the key file names them). An event the key cannot speak for (spooled before the key was there,
 * so without its attempt, or of another attempt than the key's) is sent unsigned: the coordinator puts it
 * on the dead-letter topic with the reason instead of relaying it, and the spool moves on. Whatever is not
 * acknowledged within the timeout stays in the spool for the next run. The producer is the
 * contract's ({@link KafkaSettings#producer}: acks=all, idempotent) with the agent's short timeouts
 * so an unreachable broker costs one timeout, not minutes; compression is off (a few small events,
 * and the agent jar carries no compression libraries).
 *
 * <p>Not thread-safe: one call at a time, from the agent run that holds the spool.
 */
public final class SpoolDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(SpoolDelivery.class);

    /** What one delivery did. */
    public record Outcome(int delivered, int pending, String problem) {
        public boolean complete() {
            return pending == 0;
        }
    }

    private final String bootstrapServers;
    private final Map<String, Object> clientProperties;
    private final String topic;
    private final Duration timeout;
    private final CloneKey key;

    /**
     * @param bootstrapServers the brokers, or empty to keep everything spooled
     * @param clientProperties Kafka client settings from the agent file ({@code kafka.*} without the prefix)
     * @param key the clone's key, or null when the clone has none (every event then goes unsigned)
     */
    public SpoolDelivery(String bootstrapServers, Map<String, Object> clientProperties, String topic, Duration timeout,
            CloneKey key) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = Map.copyOf(clientProperties);
        this.topic = topic;
        this.timeout = timeout;
        this.key = key;
    }

    /** The record of a spooled event: its bytes as spooled, signed when the key is the event's clone's and attempt's. */
    ProducerRecord<String, byte[]> record(CloneEvent event) {
        String recordKey = event.getUserid().isEmpty() ? null : event.getUserid();
        byte[] value = event.toByteArray();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, recordKey, value);
        if (key != null && key.isFor(event.getUserid(), event.getBatchId(), event.getAttempt())) {
            record.headers().add(GuestEventSignature.header(key, value));
        }
        return record;
    }

    private static boolean failed(Future<RecordMetadata> ack) {
        if (!ack.isDone()) {
            return false;
        }
        try {
            ack.get();
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    Map<String, Object> producerConfig(String clientId) {
        Map<String, Object> config = new HashMap<>(KafkaSettings.of(bootstrapServers).producer(clientId));
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, millis);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, millis);
        config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
        config.putAll(clientProperties);
        // the contract and the jar's contents: not for the user file to change
        Map<String, Object> contract = KafkaSettings.of(bootstrapServers).producer(clientId);
        for (String key : List.of(ProducerConfig.ACKS_CONFIG, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ProducerConfig.CLIENT_ID_CONFIG)) {
            config.put(key, contract.get(key));
        }
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        return config;
    }

    /**
     * Delivers what is pending. Never throws for an unreachable broker: the outcome says how much is
     * left and why.
     *
     * @throws IOException when the spool itself cannot be read or its delivered offset not written
     */
    public Outcome deliver(EventSpool spool, String clientId) throws IOException {
        List<EventSpool.Spooled> pending = spool.pending();
        if (pending.isEmpty()) {
            return new Outcome(0, 0, "");
        }
        if (bootstrapServers.isBlank()) {
            return new Outcome(0, pending.size(), "no bootstrap.servers configured");
        }
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        String problem = "";
        int acknowledged = 0;
        int unsigned = 0;
        KafkaProducer<String, byte[]> producer;
        try {
            producer = new KafkaProducer<>(producerConfig(clientId));
        } catch (KafkaException | IllegalArgumentException e) {
            LOG.warn("cannot create a Kafka producer for {}: {}; {} events stay in {}", bootstrapServers,
                    e.getMessage(), pending.size(), spool.directory());
            return new Outcome(0, pending.size(), "cannot create a Kafka producer: " + e.getMessage());
        }
        try {
            try {
                // the first record alone: an unreachable broker then costs one timeout, not one per event
                for (EventSpool.Spooled spooled : pending) {
                    ProducerRecord<String, byte[]> record = record(spooled.event());
                    if (record.headers().lastHeader(GuestEventSignature.HEADER) == null) {
                        unsigned++;
                    }
                    Future<RecordMetadata> ack = producer.send(record);
                    acks.add(ack);
                    if (acks.size() == 1) {
                        producer.flush();
                        if (failed(ack)) {
                            break;
                        }
                    }
                }
                producer.flush();
            } catch (KafkaException e) {
                problem = e.getMessage();
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            for (Future<RecordMetadata> ack : acks) {
                try {
                    ack.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    acknowledged++;
                } catch (ExecutionException e) {
                    problem = e.getCause().getMessage();
                    break;
                } catch (TimeoutException e) {
                    problem = "no acknowledgement within " + timeout.toMillis() + " ms";
                    break;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    problem = "interrupted";
                    break;
                }
            }
        } finally {
            producer.close(acknowledged == pending.size() ? Duration.ofSeconds(5) : Duration.ZERO);
        }
        if (acknowledged > 0) {
            spool.markDelivered(pending.get(acknowledged - 1).endOffset());
        }
        if (unsigned > 0) {
            LOG.warn("{} events sent without a signature ({}): the coordinator will not count them", unsigned,
                    key == null ? "this clone has no key" : "they are not of the key's clone and attempt, "
                            + key.describe());
        }
        int left = pending.size() - acknowledged;
        if (left > 0) {
            LOG.warn("{} of {} spooled events not delivered to {} at {} ({}); they stay in {} for the next run",
                    left, pending.size(), topic, bootstrapServers, problem, spool.directory());
        }
        return new Outcome(acknowledged, left, problem == null ? "" : problem);
    }
}
