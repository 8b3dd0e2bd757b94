package org.clonefarm.worker.service.internal;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.ContractException;
import org.clonefarm.messaging.TopicLog;
import org.clonefarm.proto.BatchPlanned;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.ClonePlanned;
import org.clonefarm.proto.CloneRequest;

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
 * this view ({@link TopicLog#readToEnd()}); a caller that waits for the fence of a request's delivery and
 * then asks {@link #finishedBy} sees every final fact published before the request was delivered. Facts
 * that arrive later (a zombie worker still finishing the same attempt) are seen by later calls of
 * {@link #finishedBy}. If the view stops on an error, {@link #stopped()} and every fence fail with it: the
 * worker must not decide without it.
 *
 * <p>Thread-safety: the view is a {@link TopicLog} of the events topic, whose thread alone touches the
 * consumer and writes the view; every method may be called from any thread.
 */
public final class CopyFacts implements AutoCloseable {
    private final String topic;
    /** {@code batch/USERID#attempt} to the producer of the first final fact seen for it. */
    private final Map<String, String> finished = new ConcurrentHashMap<>();
    /** Batch id to its {@code BatchPlanned} fact. */
    private final Map<String, BatchPlanned> batches = new ConcurrentHashMap<>();
    /** {@code batch/USERID} to its {@code ClonePlanned} fact (the first one: a plan never changes). */
    private final Map<String, ClonePlanned> clones = new ConcurrentHashMap<>();
    /** {@code batch/USERID#attempt} of every attempt after the first that a {@code RetryRequested} asked for. */
    private final Set<String> retries = ConcurrentHashMap.newKeySet();
    /** {@code batch/USERID#attempt} of every refresh attempt to the master version its {@code RetryRequested} named. */
    private final Map<String, String> refreshes = new ConcurrentHashMap<>();
    private final TopicLog<String, byte[]> log;

    /**
     * Starts reading {@code topic} from its beginning on a thread of its own ({@code clonefarm-<name>}).
     *
     * @param consumers makes the view's consumer (no group), on the view's thread; the view closes it
     */
    public CopyFacts(String topic, Supplier<? extends Consumer<String, byte[]>> consumers, String name) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.log = new TopicLog<>(name, topic, consumers, (record, live) -> read(record));
        this.log.start();
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
     * The master version of this attempt when a {@code RetryRequested} asked for it as a refresh, or empty
     * (a first attempt, a retry, or an attempt never requested).
     */
    public Optional<String> refreshVersion(String batchId, String userid, int attempt) {
        return Optional.ofNullable(refreshes.get(key(batchId, userid, attempt)));
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
        return log.readToEnd();
    }

    /** Completes when the view stops reading: normally after {@link #close()}, exceptionally on an error. */
    public CompletableFuture<Void> stopped() {
        return log.stopped();
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
            case RETRY_REQUESTED -> {
                String attempt = key(event.getBatchId(), event.getUserid(), event.getRetryRequested().getNextAttempt());
                retries.add(attempt);
                if (event.getRetryRequested().getRefresh()) {
                    refreshes.putIfAbsent(attempt, event.getRetryRequested().getMasterVersion());
                }
            }
            default -> { }
        }
        if (!event.getUserid().isEmpty() && endsTheCopy(event)) {
            finished.putIfAbsent(key(event.getBatchId(), event.getUserid(), event.getAttempt()), event.getProducerId());
        }
    }

    /** Stops the reader thread (waits for it); pending fences fail. Idempotent. */
    @Override
    public void close() {
        log.close();
    }

    @Override
    public String toString() {
        return "CopyFacts[" + topic + ", " + finished.size() + " attempts]";
    }
}
