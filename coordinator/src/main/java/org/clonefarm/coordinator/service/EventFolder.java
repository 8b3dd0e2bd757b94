package org.clonefarm.coordinator.service;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.state.FoldOutcome;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.ContractException;
import org.clonefarm.messaging.DeadLetters;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicLog;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the events topic from its start ({@link TopicLog}), folds every event into the {@link
 * CloneStateStore} and publishes each changed clone status to the compacted status topic.
 *
 * <p>The coordinator commits no offsets: its state is the fold of the whole topic, rebuilt at every
 * start. {@link #start()} returns a future that completes once the fold has reached the end offsets
 * the topic had at start ("caught up", as {@link TopicLog} defines it); the {@link Listener} is told for
 * each event whether it was folded live (at or beyond its partition's end at start) or during that replay,
 * so side effects (starting guests, dead letters) happen only for live events. Status updates are
 * coalesced: one record per changed clone at the end of the replay, then at most one per clone every
 * 100 ms, and what is left at {@link #close()}.
 *
 * <p>Thread-safety: the fold runs on the log's thread, the only one that touches the consumer and the
 * store's write side; the listener and the stages attached to {@link #start()}'s future run there too.
 * {@link #close()} may be called from any thread.
 */
public final class EventFolder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventFolder.class);
    private static final long PUBLISH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Told of every folded event, on the folding thread; must not block for long. */
    public interface Listener {
        void onFolded(CloneEvent event, FoldOutcome outcome, boolean live);

        /** A listener that tells each of {@code listeners} in turn. */
        static Listener all(Listener... listeners) {
            Listener[] copy = listeners.clone();
            return (event, outcome, live) -> {
                for (Listener listener : copy) {
                    listener.onFolded(event, outcome, live);
                }
            };
        }
    }

    private final TopicLayout layout;
    private final CloneStateStore store;
    private final Producer<String, byte[]> producer;
    private final DeadLetters deadLetters;
    private final Listener listener;
    private final TopicLog<String, byte[]> log;
    private final AtomicLong folded = new AtomicLong();
    /** Statuses changed since the last publish; only the log's thread touches it until the log has stopped. */
    private final Map<String, CloneStatus> changed = new LinkedHashMap<>();
    private long lastPublish = System.nanoTime();

    /**
     * A fold whose consumer is made from {@code settings}.
     *
     * @param producer where statuses and dead letters go; null for a read-only fold (a watcher)
     *     that publishes nothing
     */
    public EventFolder(KafkaSettings settings, TopicLayout layout, CloneStateStore store,
            Producer<String, byte[]> producer, String clientId, Listener listener) {
        this(() -> new KafkaConsumer<>(consumerSettings(settings, clientId)), layout, store, producer, clientId,
                listener);
    }

    /**
     * A fold over the consumer {@code consumers} makes (on the fold's thread; the fold closes it).
     *
     * @param producer where statuses and dead letters go; null for a read-only fold
     */
    public EventFolder(Supplier<? extends Consumer<String, byte[]>> consumers, TopicLayout layout,
            CloneStateStore store, Producer<String, byte[]> producer, String clientId, Listener listener) {
        this.layout = Objects.requireNonNull(layout, "layout");
        this.store = Objects.requireNonNull(store, "store");
        this.producer = producer;
        this.listener = listener == null ? (event, outcome, live) -> { } : listener;
        this.deadLetters = producer == null ? null : new DeadLetters(producer, layout, clientId);
        this.log = new TopicLog<>("event-folder", layout.events(), consumers, new TopicLog.Handler<>() {
            @Override
            public void onRecord(ConsumerRecord<String, byte[]> record, boolean live) {
                fold(record, live);
            }

            @Override
            public void afterPoll(boolean caughtUp) {
                // during the replay only the final status of each clone is worth publishing; live,
                // changes are coalesced for PUBLISH_INTERVAL so a copy's progress costs one record per clone
                if (caughtUp && System.nanoTime() - lastPublish >= PUBLISH_INTERVAL_NANOS) {
                    publish();
                    lastPublish = System.nanoTime();
                }
            }
        });
    }

    private static Map<String, Object> consumerSettings(KafkaSettings settings, String clientId) {
        Map<String, Object> config = settings.consumer(clientId, null);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 16 * 1024 * 1024);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
        return config;
    }

    /**
     * Starts folding on a thread of its own.
     *
     * @return completes when the fold has caught up with the topic's end at start; fails if the
     *     fold stops before that
     */
    public CompletableFuture<Void> start() {
        if (producer != null) {
            LOG.info("replaying {} to rebuild the clone state", layout.events());
        }
        CompletableFuture<Void> caughtUp = log.start();
        if (producer != null) {
            caughtUp.thenRun(() -> LOG.info("clone state rebuilt from {} events; folding live", folded.get()));
        }
        return caughtUp;
    }

    /** Events folded so far (applied, ignored and duplicates alike). */
    public long eventsFolded() {
        return folded.get();
    }

    /** How many records of the events topic the fold is behind (its consumer lag), -1 while unknown. */
    public long consumerLag() {
        return log.lag();
    }

    /** Completes when the folding thread has ended: normally after {@link #close()}, exceptionally on an error. */
    public CompletableFuture<Void> stopped() {
        return log.stopped();
    }

    private void fold(ConsumerRecord<String, byte[]> record, boolean live) {
        CloneEvent event;
        try {
            event = ContractCodec.decodeEvent(record.value(),
                    record.topic() + "/" + record.partition() + "@" + record.offset());
        } catch (ContractException e) {
            if (live && deadLetters != null) {
                deadLetters.send(record, e.getMessage()); // during replay it was sent the first time
            }
            return;
        }
        FoldOutcome outcome = store.apply(event);
        folded.incrementAndGet();
        if (outcome.kind() == FoldOutcome.Kind.APPLIED) {
            changed.put(outcome.status().getUserid(), outcome.status());
        }
        listener.onFolded(event, outcome, live);
    }

    private void publish() {
        if (producer == null) {
            changed.clear();
            return;
        }
        for (CloneStatus status : changed.values()) {
            producer.send(new ProducerRecord<>(layout.status(), status.getUserid(), ContractCodec.encode(status)),
                    (metadata, error) -> {
                        if (error != null) {
                            LOG.warn("status of {} not published: {}", status.getUserid(), error.toString());
                        }
                    });
        }
        changed.clear();
    }

    /** Stops the fold and waits for its thread; publishes and flushes the statuses changed since the last publish. */
    @Override
    public void close() {
        log.close();
        if (producer != null && log.stopped().isDone()) { // the log's thread has ended: its statuses are ours now
            publish();
            producer.flush();
        }
    }
}
