package org.clonefarm.coordinator.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.state.FoldOutcome;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.ContractException;
import org.clonefarm.messaging.DeadLetters;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the events topic from its start, folds every event into the {@link CloneStateStore} and
 * publishes each changed clone status to the compacted status topic.
 *
 * <p>The coordinator commits no offsets: its state is the fold of the whole topic, rebuilt at every
 * start. {@link #start()} returns a future that completes once the fold has reached the end offsets
 * the topic had at start ("caught up"); the {@link Listener} is told for each event whether it was
 * folded live or during that replay, so side effects (starting guests) happen only for live events.
 * Status updates are coalesced: one record per changed clone at the end of the replay, then at most
 * one per clone every 100 ms.
 *
 * <p>Thread-safety: the fold runs on one thread of its own, the only one that touches the consumer
 * and the store's write side. {@link #close()} may be called from any thread.
 */
public final class EventFolder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventFolder.class);
    private static final long PUBLISH_INTERVAL_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);

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

    private final KafkaSettings settings;
    private final TopicLayout layout;
    private final CloneStateStore store;
    private final Producer<String, byte[]> producer;
    private final DeadLetters deadLetters;
    private final Listener listener;
    private final String clientId;
    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong folded = new AtomicLong();
    private volatile long consumerLag = -1;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    /**
     * @param producer where statuses and dead letters go; null for a read-only fold (a watcher)
     *     that publishes nothing
     */
    public EventFolder(KafkaSettings settings, TopicLayout layout, CloneStateStore store,
            Producer<String, byte[]> producer, String clientId, Listener listener) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.store = Objects.requireNonNull(store, "store");
        this.producer = producer;
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.listener = listener == null ? (event, outcome, live) -> { } : listener;
        this.deadLetters = producer == null ? null : new DeadLetters(producer, layout, clientId);
    }

    /**
     * Starts folding on a thread of its own.
     *
     * @return completes when the fold has caught up with the topic's end at start; fails if the
     *     fold stops before that
     */
    public synchronized CompletableFuture<Void> start() {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("event folder already started");
        }
        thread = new Thread(this::run, "clonefarm-event-folder");
        thread.setDaemon(true);
        thread.start();
        return caughtUp;
    }

    /** Events folded so far (applied, ignored and duplicates alike). */
    public long eventsFolded() {
        return folded.get();
    }

    /** How many records of the events topic the fold is behind (its consumer lag), -1 while unknown. */
    public long consumerLag() {
        return consumerLag;
    }

    /** Completes when the folding thread has ended. */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    private void run() {
        Map<String, Object> config = settings.consumer(clientId, null);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 16 * 1024 * 1024);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
        try (KafkaConsumer<String, byte[]> kafka = new KafkaConsumer<>(config)) {
            consumer = kafka;
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : kafka.partitionsFor(layout.events(), Duration.ofSeconds(60))) {
                partitions.add(new TopicPartition(info.topic(), info.partition()));
            }
            kafka.assign(partitions);
            kafka.seekToBeginning(partitions);
            Map<TopicPartition, Long> endAtStart = kafka.endOffsets(partitions, Duration.ofSeconds(60));
            if (producer != null) {
                LOG.info("replaying {} events of {} to rebuild the clone state", total(endAtStart), layout.events());
            }
            boolean live = checkCaughtUp(kafka, endAtStart);
            Map<String, CloneStatus> changed = new LinkedHashMap<>();
            long lastPublish = System.nanoTime();
            while (running.get()) {
                ConsumerRecords<String, byte[]> records;
                try {
                    records = kafka.poll(Duration.ofMillis(100));
                } catch (WakeupException e) {
                    break; // close() asked us to stop: still publish what changed since the last publish
                }
                for (ConsumerRecord<String, byte[]> record : records) {
                    fold(record, live, changed);
                }
                consumerLag = lag(kafka, partitions);
                if (!live) {
                    live = checkCaughtUp(kafka, endAtStart);
                }
                // during the replay only the final status of each clone is worth publishing; live,
                // changes are coalesced for PUBLISH_INTERVAL so a copy's progress costs one record per clone
                if (live && System.nanoTime() - lastPublish >= PUBLISH_INTERVAL_NANOS) {
                    publish(changed);
                    lastPublish = System.nanoTime();
                }
            }
            publish(changed);
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            LOG.error("the event fold stopped: {}", e.toString(), e);
            caughtUp.completeExceptionally(e);
            stopped.completeExceptionally(e);
            return;
        } finally {
            consumer = null;
            if (producer != null) {
                producer.flush();
            }
        }
        caughtUp.completeExceptionally(new IllegalStateException("event folder closed before it caught up"));
        stopped.complete(null);
    }

    private void fold(ConsumerRecord<String, byte[]> record, boolean live, Map<String, CloneStatus> changed) {
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

    private void publish(Map<String, CloneStatus> changed) {
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

    /** Records behind the end of the topic, from the consumer's last fetch; -1 while unknown. */
    private static long lag(KafkaConsumer<String, byte[]> kafka, List<TopicPartition> partitions) {
        long sum = 0;
        for (TopicPartition partition : partitions) {
            java.util.OptionalLong lag = kafka.currentLag(partition);
            if (lag.isEmpty()) {
                return -1;
            }
            sum += lag.getAsLong();
        }
        return sum;
    }

    private boolean checkCaughtUp(KafkaConsumer<String, byte[]> kafka, Map<TopicPartition, Long> endAtStart) {
        for (Map.Entry<TopicPartition, Long> end : endAtStart.entrySet()) {
            if (kafka.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        if (!caughtUp.isDone()) {
            if (producer != null) {
                LOG.info("clone state rebuilt from {} events; folding live", folded.get());
            }
            caughtUp.complete(null);
        }
        return true;
    }

    private static long total(Map<TopicPartition, Long> offsets) {
        long sum = 0;
        for (long offset : offsets.values()) {
            sum += offset;
        }
        return sum;
    }

    /** Stops the fold and waits for its thread; flushes pending status records. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.join(30_000);
        }
    }
}
