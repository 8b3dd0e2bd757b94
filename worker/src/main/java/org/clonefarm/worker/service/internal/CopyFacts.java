package org.clonefarm.worker.service.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.ContractException;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.proto.BatchPlanned;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.ClonePlanned;
import org.clonefarm.proto.CloneRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the events topic says about copies: which clones the coordinator planned (batch, master,
 * profile, disks) and which attempts it requested ({@link #plan}, {@link #requested}), for the check
 * that a request is the coordinator's ({@link RequestVerifier}); and which attempts are over.
 *
 * <p>Over: an attempt with a {@code CloneCopied}
 * or {@code CopyFailed}, or with any fact that comes after the copy (the guest was started, the agent
 * reported, the clone was cancelled or failed), is never copied again by any worker.
 *
 * <p>Why: a request whose copy finished but whose offset was not committed (the worker died between the
 * events' acknowledgement and the commit, or the request waited behind an earlier one of its partition)
 * is delivered again, possibly to another worker, which has no checkpoints of it and would copy by
 * compare: once the clone has booted and the agent changed its root, that copy would write the master's
 * bytes back over the clone. The events topic is the only record every worker shares, so it decides.
 *
 * <p>Contract: {@link #fence()} completes once every event the broker acknowledged before the call is in
 * this view; a caller that waits for the fence of a request's delivery and then asks {@link #finishedBy}
 * sees every final fact published before the request was delivered. Facts that arrive later (a zombie
 * worker still finishing the same attempt) are seen by later calls of {@link #finishedBy}.
 *
 * <p>Thread-safety: one dedicated thread owns the consumer; {@link #fence()}, {@link #finishedBy} and
 * {@link #close()} may be called from any thread.
 */
public final class CopyFacts implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CopyFacts.class);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final long RETRY_MILLIS = 1_000;

    private final KafkaSettings kafka;
    private final String topic;
    private final String clientId;
    /** {@code batch/USERID#attempt} to the producer of the first final fact seen for it. */
    private final Map<String, String> finished = new ConcurrentHashMap<>();
    /** Batch id to its {@code BatchPlanned} fact. */
    private final Map<String, BatchPlanned> batches = new ConcurrentHashMap<>();
    /** {@code batch/USERID} to its {@code ClonePlanned} fact (the first one: a plan never changes). */
    private final Map<String, ClonePlanned> clones = new ConcurrentHashMap<>();
    /** {@code batch/USERID#attempt} of every attempt after the first that a {@code RetryRequested} asked for. */
    private final Set<String> retries = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> fenceRequests = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;

    /** A fence waiting for the view to reach these end offsets. */
    private record Fence(Map<TopicPartition, Long> endOffsets, List<CompletableFuture<Void>> waiters) {
    }

    /** Starts reading {@code topic} from its beginning on a thread of its own. */
    public CopyFacts(KafkaSettings kafka, String topic, String clientId) {
        this.kafka = Objects.requireNonNull(kafka, "kafka");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.thread = new Thread(this::run, "clonefarm-" + clientId);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** The key two deliveries of one attempt share. */
    static String key(String batchId, String userid, int attempt) {
        return batchId + "/" + userid + "#" + attempt;
    }

    /** A clone as the coordinator planned it: its batch's facts and its own. */
    public record PlannedClone(BatchPlanned batch, ClonePlanned planned) {
    }

    /** The coordinator's plan of {@code userid} in {@code batchId}, or empty when the events have none. */
    public Optional<PlannedClone> plan(String batchId, String userid) {
        BatchPlanned batch = batches.get(batchId);
        ClonePlanned clone = clones.get(batchId + "/" + userid);
        return batch == null || clone == null ? Optional.empty() : Optional.of(new PlannedClone(batch, clone));
    }

    /** Whether the coordinator asked for this attempt: the first always, a later one by a {@code RetryRequested}. */
    public boolean requested(String batchId, String userid, int attempt) {
        return attempt == 1 || retries.contains(key(batchId, userid, attempt));
    }

    /**
     * The producer (worker, coordinator or agent id) of the fact that ended this request's copy, or empty
     * while no such fact is known.
     */
    public Optional<String> finishedBy(CloneRequest request) {
        return Optional.ofNullable(finished.get(key(request.getBatchId(), request.getUserid(), request.getAttempt())));
    }

    /** Completes when every event acknowledged before this call has been read into the view. */
    public CompletableFuture<Void> fence() {
        CompletableFuture<Void> fence = new CompletableFuture<>();
        if (!running) {
            fence.completeExceptionally(new IllegalStateException("the view of copy facts is closed"));
            return fence;
        }
        fenceRequests.add(fence);
        return fence;
    }

    /** Whether a fact ends the copy of its attempt. */
    static boolean endsTheCopy(CloneEvent event) {
        return switch (event.getFactCase()) {
            case CLONE_COPIED, COPY_FAILED, GUEST_START_REQUESTED, GUEST_STARTED, AGENT_STARTED, IDENTIFIED,
                    CONFIG_READ, CONFIGURED, FINALIZE_MARKER_REMOVED, REBOOTING, READY, AGENT_FAILED, CANCELLED,
                    CLONE_FAILED -> true;
            default -> false; // planning, copy start and progress, retries (a new attempt), batch facts
        };
    }

    private void run() {
        List<Fence> waiting = new ArrayList<>();
        while (running) {
            try (KafkaConsumer<String, byte[]> kafkaConsumer = new KafkaConsumer<>(kafka.consumer(clientId, null))) {
                consumer = kafkaConsumer;
                List<TopicPartition> partitions = partitions(kafkaConsumer);
                kafkaConsumer.assign(partitions);
                kafkaConsumer.seekToBeginning(partitions);
                while (running) {
                    for (ConsumerRecord<String, byte[]> record : kafkaConsumer.poll(POLL)) {
                        read(record);
                    }
                    List<CompletableFuture<Void>> asked = new ArrayList<>();
                    CompletableFuture<Void> request;
                    while ((request = fenceRequests.poll()) != null) {
                        asked.add(request);
                    }
                    if (!asked.isEmpty()) { // one end-offsets call answers every fence asked before it
                        waiting.add(new Fence(kafkaConsumer.endOffsets(partitions), asked));
                    }
                    for (Iterator<Fence> it = waiting.iterator(); it.hasNext(); ) {
                        Fence fence = it.next();
                        if (reached(kafkaConsumer, fence.endOffsets)) {
                            fence.waiters.forEach(w -> w.complete(null));
                            it.remove();
                        }
                    }
                }
            } catch (WakeupException e) {
                LOG.debug("view of finished copies woken up to close");
            } catch (KafkaException e) {
                if (running) { // fences stay pending: the next consumer answers them
                    LOG.warn("reading {} for finished copies failed ({}); trying again in {} ms", topic, e.toString(),
                            RETRY_MILLIS);
                    sleep();
                }
            } finally {
                consumer = null;
            }
        }
        IllegalStateException closed = new IllegalStateException("the view of copy facts is closed");
        waiting.forEach(f -> f.waiters.forEach(w -> w.completeExceptionally(closed)));
        fenceRequests.forEach(w -> w.completeExceptionally(closed));
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> kafkaConsumer) {
        List<PartitionInfo> infos = kafkaConsumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new KafkaException("topic " + topic + " has no partitions (not created yet?)");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : infos) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        return partitions;
    }

    private static boolean reached(KafkaConsumer<String, byte[]> kafkaConsumer, Map<TopicPartition, Long> endOffsets) {
        for (Map.Entry<TopicPartition, Long> end : endOffsets.entrySet()) {
            if (kafkaConsumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void read(ConsumerRecord<String, byte[]> record) {
        CloneEvent event;
        try {
            event = ContractCodec.decodeEvent(record.value(), record.topic() + "/" + record.partition() + "@" + record.offset());
        } catch (ContractException e) {
            return; // not ours to judge: the coordinator reports undecodable events
        }
        switch (event.getFactCase()) {
            case BATCH_PLANNED -> batches.putIfAbsent(event.getBatchId(), event.getBatchPlanned());
            case CLONE_PLANNED -> clones.putIfAbsent(event.getBatchId() + "/" + event.getUserid(), event.getClonePlanned());
            case RETRY_REQUESTED -> retries.add(key(event.getBatchId(), event.getUserid(),
                    event.getRetryRequested().getNextAttempt()));
            default -> { }
        }
        if (!event.getUserid().isEmpty() && endsTheCopy(event)) {
            finished.putIfAbsent(key(event.getBatchId(), event.getUserid(), event.getAttempt()), event.getProducerId());
        }
    }

    private void sleep() {
        try {
            TimeUnit.MILLISECONDS.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Stops the reader thread (waits up to 5 s); pending fences fail. Idempotent. */
    @Override
    public void close() {
        running = false;
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "CopyFacts[" + topic + ", " + finished.size() + " attempts]";
    }
}
