package org.clonefarm.coordinator.service;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.messaging.CloneKey;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.ContractException;
import org.clonefarm.messaging.DeadLetters;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.GuestEventSignature;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneEvent.FactCase;
import org.clonefarm.proto.CloneStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays the guests' facts from the guest-events topic to the events topic, each checked first, so that a
 * guest can state only its own agent steps for its current attempt. Guests write nothing else (on a secured
 * cluster their principal may write only the guest-events topic); every fact the coordinator folds about a
 * guest passed through here.
 *
 * <p>What a record must be to be relayed ({@link #check}; the first that fails decides, and is the reason):
 * <ol>
 *   <li>a {@code CloneEvent};</li>
 *   <li>keyed by the userid the event names;</li>
 *   <li>one of the facts a guest may report ({@link #GUEST_FACTS}: agent steps, READY, AgentFailed), never a
 *       worker's or the coordinator's ({@code DiskCopied}, {@code ClonePlanned}, {@code RetryRequested}...),
 *       from the producer {@code agent-<USERID>};</li>
 *   <li>about a clone the fold knows, in its batch and at its current attempt (an earlier attempt's
 *       guest, or its key, cannot speak for the new one);</li>
 *   <li>signed with that clone's key for that batch and attempt ({@link GuestEventSignature}, the key derived
 *       again from the farm key: {@link CloneKey}); another clone's key, an old attempt's key, no signature
 *       or a changed byte fail here.</li>
 * </ol>
 * A valid record goes to the events topic with the same key and value bytes (the fold drops a repeated event
 * id); a refused one goes to the dead-letter topic with the reason, and counts in {@link #refused}. No fact
 * is written for a refusal: the claims in a refused record are the sender's, and a flood of refusals must
 * not push a clone's real facts out of its history.
 *
 * <p>Exactly once: each poll's records, their relayed copies or dead letters, and the consumed offsets are
 * one Kafka transaction (a transactional producer, {@code sendOffsetsToTransaction} with the consumer's
 * group metadata, in the consumer group {@link #groupId}); every reader of the events topic reads
 * {@code read_committed} ({@link KafkaSettings#consumer}). A failed transaction is aborted and the
 * consumer goes back to the committed offsets, so the same records are checked again. The transactional id
 * ({@link #transactionalId}) is one per farm: a second coordinator of the same farm fences the first one's
 * relay, which then stops. This is why the relay does not read through {@code TopicLog}: a topic log reads
 * without a group and commits nothing, while the relay's progress is the group offset it commits with what
 * it wrote.
 *
 * <p>Clients come from outside (suppliers called on the relay's thread), so the loop's decisions (what
 * goes in a transaction, what is checked again after an abort, what ends the relay) can be tested on
 * Kafka's MockConsumer and MockProducer; the broker tests prove the wiring.
 *
 * <p>It checks against the fold's state, so it starts when the fold has caught up ({@link
 * CoordinatorService}); a clone is started only after its copy was folded, so the fold knows the attempt of
 * every guest that can speak.
 *
 * <p>Thread-safety: the relay runs on one thread of its own, the only one that touches its consumer and
 * producer; it reads the store, which allows concurrent readers. Counters and {@link #close()} from any thread.
 */
public final class GuestFactRelay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GuestFactRelay.class);
    private static final String CLIENT_SUFFIX = "-guest-relay";

    /** The facts a guest agent reports: the only ones relayed from the guest-events topic. */
    public static final Set<FactCase> GUEST_FACTS = Collections.unmodifiableSet(EnumSet.of(FactCase.AGENT_STARTED,
            FactCase.IDENTIFIED, FactCase.CONFIG_READ, FactCase.CONFIGURED, FactCase.FINALIZE_MARKER_REMOVED,
            FactCase.REBOOTING, FactCase.READY, FactCase.AGENT_FAILED));

    /** Why a guest record was refused: one label per check, for the metric. */
    public enum Refusal {
        /** Not a CloneEvent. */
        UNREADABLE("unreadable"),
        /** The record key is not the userid the event names. */
        RECORD_KEY("record-key"),
        /** Not a fact a guest may report, or not from the clone's agent. */
        NOT_A_GUEST_FACT("not-a-guest-fact"),
        /** No such clone, or not its batch or current attempt. */
        NOT_CURRENT("not-current"),
        /** Missing, malformed or not the clone key's signature. */
        SIGNATURE("signature");

        private final String label;

        Refusal(String label) {
            this.label = label;
        }

        /** The metric label. */
        public String label() {
            return label;
        }
    }

    /**
     * What {@link #check} decided.
     *
     * @param event the decoded event, null when unreadable
     * @param refusal why it was refused, null when it is relayed
     * @param reason the refusal in one sentence, null when relayed
     */
    public record Verdict(CloneEvent event, Refusal refusal, String reason) {
        public boolean relayed() {
            return refusal == null;
        }
    }

    private final TopicLayout layout;
    private final FarmKey farmKey;
    private final CloneStateStore store;
    private final String clientId;
    private final Supplier<? extends Consumer<String, byte[]>> consumers;
    private final Supplier<? extends Producer<String, byte[]>> producers;
    private final AtomicBoolean running = new AtomicBoolean();
    private boolean closed;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final AtomicLong relayed = new AtomicLong();
    private final Map<Refusal, AtomicLong> refused = new EnumMap<>(Refusal.class);
    private volatile Consumer<String, byte[]> consumer;
    private Thread thread;

    /**
     * A relay on the brokers of {@code settings}: a consumer in the group {@link #groupId}, a producer with the
     * transactional id {@link #transactionalId}.
     *
     * @param farmKey the key the clone keys derive from
     * @param store the fold's state: which clones exist, in which batch and attempt
     * @param clientId the coordinator's id; the relay's clients are {@code <clientId>-guest-relay}
     */
    public GuestFactRelay(KafkaSettings settings, TopicLayout layout, FarmKey farmKey, CloneStateStore store,
            String clientId) {
        this(() -> new KafkaConsumer<>(settings.consumer(clientId + CLIENT_SUFFIX, groupId(layout))),
                () -> new KafkaProducer<>(settings.transactionalProducer(clientId + CLIENT_SUFFIX, transactionalId(layout))),
                layout, farmKey, store, clientId);
        Objects.requireNonNull(settings, "settings");
    }

    /**
     * A relay over the clients {@code consumers} and {@code producers} make, on the relay's thread (the relay
     * subscribes the consumer to the guest-events topic, initializes the producer's transactions, and closes
     * both). A producer is made again when one can no longer abort its transaction.
     */
    public GuestFactRelay(Supplier<? extends Consumer<String, byte[]>> consumers,
            Supplier<? extends Producer<String, byte[]>> producers, TopicLayout layout, FarmKey farmKey,
            CloneStateStore store, String clientId) {
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.producers = Objects.requireNonNull(producers, "producers");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.farmKey = Objects.requireNonNull(farmKey, "farmKey");
        this.store = Objects.requireNonNull(store, "store");
        this.clientId = Objects.requireNonNull(clientId, "clientId") + CLIENT_SUFFIX;
        for (Refusal refusal : Refusal.values()) {
            refused.put(refusal, new AtomicLong());
        }
    }

    /** The consumer group of the relay of a farm: {@code <prefix>guest-relay}. */
    public static String groupId(TopicLayout layout) {
        return layout.prefix() + "guest-relay";
    }

    /**
     * The transactional id of the relay of a farm: {@code <prefix>guest-relay}, one per farm, so that a second
     * coordinator's relay fences the first one's.
     */
    public static String transactionalId(TopicLayout layout) {
        return layout.prefix() + "guest-relay";
    }

    /**
     * Decides whether a guest record is relayed, against the fold's state now. Pure apart from reading the store.
     */
    public static Verdict check(ConsumerRecord<String, byte[]> record, CloneStateStore store, FarmKey farmKey) {
        CloneEvent event;
        String where = record.topic() + "/" + record.partition() + "@" + record.offset();
        try {
            event = ContractCodec.decodeEvent(record.value(), where);
        } catch (ContractException e) {
            return new Verdict(null, Refusal.UNREADABLE, "guest record " + where + " is not a CloneEvent: " + e.getMessage());
        }
        String userid = event.getUserid();
        FactCase fact = event.getFactCase();
        String what = "guest " + fact + " " + event.getEventId() + " of " + (userid.isEmpty() ? "no clone" : userid);
        if (userid.isEmpty() || !userid.equals(record.key())) {
            return new Verdict(event, Refusal.RECORD_KEY, what + " is refused: its record key " + record.key()
                    + " is not the userid the event names");
        }
        if (!GUEST_FACTS.contains(fact)) {
            return new Verdict(event, Refusal.NOT_A_GUEST_FACT, what + " is refused: " + fact
                    + " is not a fact a guest may report (only agent steps, READY and AgentFailed)");
        }
        if (!event.getProducerId().equals("agent-" + userid)) {
            return new Verdict(event, Refusal.NOT_A_GUEST_FACT, what + " is refused: its producer is "
                    + event.getProducerId() + ", not the clone's agent agent-" + userid);
        }
        CloneStatus status = store.status(userid);
        if (status == null) {
            return new Verdict(event, Refusal.NOT_CURRENT, what + " is refused: no clone " + userid + " was planned");
        }
        if (!status.getBatchId().equals(event.getBatchId()) || status.getAttempt() != event.getAttempt()) {
            return new Verdict(event, Refusal.NOT_CURRENT, what + " is refused: it is of batch " + event.getBatchId()
                    + " attempt " + event.getAttempt() + ", the clone is at batch " + status.getBatchId() + " attempt "
                    + status.getAttempt());
        }
        CloneKey key;
        try {
            key = CloneKey.derive(farmKey, userid, status.getBatchId(), status.getAttempt());
        } catch (IllegalArgumentException e) {
            return new Verdict(event, Refusal.SIGNATURE, what + " is refused: the clone has no key (" + e.getMessage() + ")");
        }
        java.util.Optional<String> problem = GuestEventSignature.problem(key, record.headers(), record.value());
        if (problem.isPresent()) {
            return new Verdict(event, Refusal.SIGNATURE, what + " is refused: " + problem.get());
        }
        return new Verdict(event, null, null);
    }

    /**
     * Starts relaying on a thread of its own.
     *
     * @return completes when the relay stops: normally after {@link #close()}, exceptionally when it was
     *     fenced by another coordinator's relay or cannot go on; at once when it was closed before it started
     */
    public synchronized CompletableFuture<Void> start() {
        if (closed) {
            stopped.complete(null); // the coordinator closed before its fold caught up: nothing to relay
            return stopped;
        }
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("guest fact relay already started");
        }
        thread = new Thread(this::run, "clonefarm-guest-relay");
        thread.setDaemon(true);
        thread.start();
        return stopped;
    }

    /** Guest facts relayed to the events topic since start. */
    public long relayed() {
        return relayed.get();
    }

    /** Guest records refused for {@code refusal} since start (each is on the dead-letter topic). */
    public long refused(Refusal refusal) {
        return refused.get(refusal).get();
    }

    /** Completes when the relay's thread has ended. */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    private Producer<String, byte[]> newProducer() {
        Producer<String, byte[]> producer = producers.get();
        try {
            producer.initTransactions(); // completes or aborts what an earlier relay of this farm left open
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        return producer;
    }

    private void run() {
        Producer<String, byte[]> producer = null;
        try (Consumer<String, byte[]> kafka = consumers.get()) {
            consumer = kafka;
            producer = newProducer();
            kafka.subscribe(List.of(layout.guestEvents()));
            LOG.info("relaying guest facts from {} to {} (group {})", layout.guestEvents(), layout.events(),
                    groupId(layout));
            while (running.get()) {
                ConsumerRecords<String, byte[]> records;
                try {
                    records = kafka.poll(Duration.ofMillis(200));
                } catch (WakeupException e) {
                    break;
                }
                if (records.isEmpty()) {
                    continue;
                }
                producer = relay(kafka, producer, records);
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            LOG.error("the guest fact relay stopped: {}; guest facts wait on {} until a coordinator relays them",
                    e.toString(), layout.guestEvents(), e);
            closeQuietly(producer);
            stopped.completeExceptionally(e);
            return;
        } finally {
            consumer = null;
        }
        closeQuietly(producer);
        stopped.complete(null);
    }

    private static void closeQuietly(Producer<String, byte[]> producer) {
        if (producer == null) {
            return;
        }
        try {
            producer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.warn("closing the guest fact relay's producer failed: {}", e.toString());
        }
    }

    /**
     * Relays one poll's records in one transaction. On a failure that allows going on, the transaction is
     * aborted (or the producer made again), the consumer goes back to the committed offsets and nothing is
     * counted; fencing and authorization failures end the relay.
     *
     * @return the producer to use from now on
     */
    private Producer<String, byte[]> relay(Consumer<String, byte[]> kafka, Producer<String, byte[]> producer,
            ConsumerRecords<String, byte[]> records) {
        DeadLetters deadLetters = new DeadLetters(producer, layout, clientId);
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        Map<Refusal, Long> refusedNow = new EnumMap<>(Refusal.class);
        long relayedNow = 0;
        try {
            producer.beginTransaction();
            for (ConsumerRecord<String, byte[]> record : records) {
                Verdict verdict = check(record, store, farmKey);
                if (verdict.relayed()) {
                    producer.send(new ProducerRecord<>(layout.events(), record.key(), record.value()));
                    relayedNow++;
                } else {
                    LOG.info("{} (dead-lettered)", verdict.reason()); // INFO: a guest's flood must not fill the terminal
                    deadLetters.send(record, verdict.reason());
                    refusedNow.merge(verdict.refusal(), 1L, Long::sum);
                }
                next.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
            }
            producer.sendOffsetsToTransaction(next, kafka.groupMetadata());
            producer.commitTransaction();
        } catch (ProducerFencedException | InvalidProducerEpochException | AuthorizationException
                | UnsupportedVersionException e) {
            throw new IllegalStateException("the guest fact relay cannot go on (" + e.getClass().getSimpleName()
                    + ": another coordinator's relay of this farm took over, or this principal may not write "
                    + layout.events() + " transactionally): " + e.getMessage(), e);
        } catch (KafkaException e) {
            LOG.warn("guest facts not relayed ({}); they are checked again from the committed offsets", e.toString());
            return recover(kafka, producer);
        }
        relayed.addAndGet(relayedNow);
        refusedNow.forEach((refusal, count) -> refused.get(refusal).addAndGet(count));
        return producer;
    }

    private Producer<String, byte[]> recover(Consumer<String, byte[]> kafka, Producer<String, byte[]> producer) {
        Producer<String, byte[]> usable = producer;
        try {
            producer.abortTransaction();
        } catch (KafkaException | IllegalStateException e) {
            producer.close(Duration.ZERO);
            usable = newProducer();
        }
        Set<TopicPartition> assigned = kafka.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = kafka.committed(assigned, Duration.ofSeconds(30));
        for (TopicPartition partition : assigned) {
            OffsetAndMetadata offset = committed.get(partition);
            if (offset == null) {
                kafka.seekToBeginning(List.of(partition));
            } else {
                kafka.seek(partition, offset);
            }
        }
        return usable;
    }

    /** Stops relaying and waits for the relay's thread (which finishes or aborts its transaction). */
    @Override
    public void close() throws InterruptedException {
        Thread t;
        synchronized (this) {
            closed = true;
            running.set(false);
            t = thread;
        }
        Consumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        if (t != null) {
            t.join(30_000);
        }
    }
}
