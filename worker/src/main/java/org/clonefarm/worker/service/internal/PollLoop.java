package org.clonefarm.worker.service.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.ContractException;
import org.clonefarm.messaging.DeadLetters;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.CopyFailed;
import org.clonefarm.proto.RequestRejected;
import org.clonefarm.worker.copy.CopyException;
import org.clonefarm.worker.copy.CheckpointStore;
import org.clonefarm.worker.copy.CopyEngine;
import org.clonefarm.worker.disk.MinidiskAccess;
import org.clonefarm.worker.service.WorkerConfig;
import org.clonefarm.worker.service.internal.CopyAdmission.Step;
import org.clonefarm.worker.service.internal.SubmittedRecords.Submitted;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's consumer loop: polls {@code clone-requests} in the workers' group, starts a {@link CloneJob}
 * per request as {@link CopyAdmission} admits it (at most {@code maxClones} at once, one per userid, the clones of
 * one master together so that the copy engine reads the master once for all of them; the
 * rest wait in a per-partition backlog with the partition paused, so polling goes on, the group keeps us,
 * and nothing more is fetched there), and commits the contiguous finished prefix of each partition
 * ({@link OffsetCommitter}: a failed asynchronous commit is sent again, never below an acknowledged offset).
 *
 * <ul>
 *   <li>A record that is not a valid {@code CloneRequest} goes to the dead-letter topic with the reason
 *       and counts as finished once the letter is acknowledged.</li>
 *   <li>A second delivery of a request that is running here ({@code USERID#attempt}) joins the running
 *       job instead of copying again; another attempt of a busy userid waits for it (one target, one copy).</li>
 *   <li>A request that is not provably the coordinator's ({@link RequestVerifier}: signed with the farm key,
 *       planned on the events topic, its disks the clone's own minidisks, on the volumes path as the CP
 *       directory file places them) is copied
 *       never: it goes to the dead-letter topic and a {@code RequestRejected} event says why; both
 *       acknowledged, it counts as finished.</li>
 *   <li>A request whose attempt is over according to the events topic ({@link CopyFacts}: copied or
 *       failed by any worker, or already past the copy) is committed without a copy: a copied clone may
 *       have booted, and copying it again would write the master's bytes over it. Before it decides, the
 *       loop waits until that view has read every event acknowledged before the request was fetched. A
 *       copy running here whose attempt another producer ends meanwhile is cancelled and committed. If the
 *       view stops on an error, the loop stops too (as on a fatal Kafka error): it must not judge without it.</li>
 *   <li>Revocation ({@link PartitionHandover}): the jobs of revoked partitions are cancelled and awaited
 *       (they stop at a checkpoint, at most a few seconds), the finished prefix is committed synchronously,
 *       the rest is forgotten. Late completions of forgotten records are ignored.</li>
 *   <li>Stop: no new jobs, every job cancelled and awaited, finished prefix committed, consumer closed
 *       (which leaves the group at once).</li>
 * </ul>
 *
 * <p>The loop is given its consumers as factories ({@code WorkerService} makes the real ones), so the
 * logic around them is tested on Kafka's {@code MockConsumer}: {@link OffsetCommitter}, {@link
 * CopyAdmission} and {@link PartitionHandover} alone, the loop as a whole against a broker.
 *
 * <p>Thread-safety: {@link #run()} runs on one dedicated thread that alone makes, touches and closes the
 * requests consumer and uses the committer, the admission and the job table; job completions reach it
 * through a concurrent queue. {@link #stop()} and the accessors may be called from any thread.
 */
public final class PollLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(PollLoop.class);
    private static final Duration POLL = Duration.ofMillis(100);
    /** How long a revocation or stop waits for cancelled copies to reach their checkpoint. */
    private static final long CANCEL_WAIT_MILLIS = 10_000;

    private final WorkerConfig config;
    private final Supplier<? extends Consumer<String, byte[]>> requestConsumers;
    private final Supplier<? extends Consumer<String, byte[]>> eventConsumers;
    private final Producer<String, byte[]> producer;
    private final EventPublisher publisher;
    private final DeadLetters deadLetters;
    private final CloneJob.Tools tools;
    private final WorkerMetrics metrics;
    private final FarmKey farmKey;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CompletableFuture<Void> assignedOnce = new CompletableFuture<>();
    private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();
    private final CopyAdmission<Pending> admission;
    private final Map<String, Running> jobsByKey = new HashMap<>();
    private OffsetCommitter committer;
    private volatile Consumer<String, byte[]> consumer;
    private CopyFacts copyFacts;
    private RequestVerifier verifier;
    private volatile long consumerLag = -1;
    private volatile boolean polling;

    /**
     * A record taken from a partition, not started yet; {@code fence} completes once the view of finished
     * copies has read every event published before the record was fetched; {@code source} is what its disks are
     * copied from ({@link CloneJob#sourcesOf}), by which admission groups requests into fan-outs.
     */
    private record Pending(ConsumerRecord<String, byte[]> record, Submitted entry, CompletableFuture<Void> fence,
            String source) {
    }

    /** A job running here and the records (one, or more for duplicates) it answers. */
    private static final class Running {
        final CloneJob job;
        final TopicPartition partition;
        final List<Pending> records = new ArrayList<>();
        CompletableFuture<CloneJob.Outcome> outcome;
        /** Another producer ended this attempt while it ran here: the job was cancelled, its records are done. */
        boolean superseded;

        Running(CloneJob job, TopicPartition partition) {
            this.job = job;
            this.partition = partition;
        }
    }

    /**
     * @param requestConsumers makes the consumer of the requests topic in the workers' group (called once,
     *     on the loop's thread, which closes it)
     * @param eventConsumers makes the consumer of the events topic for the view of finished copies (no group)
     * @param store the engine's checkpoint store (a job also records FLASHCOPYed disks there)
     * @param access how jobs attach minidisks; on the volumes path the verifier also checks the CP directory
     *     file's extents
     * @param diskExecutor where jobs run their blocking disk steps (attach, FLASHCOPY, release): not this
     *     loop's thread, unbounded (one task per disk being copied)
     * @param farmKey the key the coordinator signs requests with
     */
    public PollLoop(WorkerConfig config, Supplier<? extends Consumer<String, byte[]>> requestConsumers,
            Supplier<? extends Consumer<String, byte[]>> eventConsumers, Producer<String, byte[]> producer,
            EventPublisher publisher, CopyEngine engine, CheckpointStore store, MinidiskAccess access,
            Executor diskExecutor, WorkerMetrics metrics, FarmKey farmKey) {
        this.config = Objects.requireNonNull(config, "config");
        this.requestConsumers = Objects.requireNonNull(requestConsumers, "requestConsumers");
        this.eventConsumers = Objects.requireNonNull(eventConsumers, "eventConsumers");
        this.admission = new CopyAdmission<>(config.maxClones(), Pending::source);
        this.producer = Objects.requireNonNull(producer, "producer");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.deadLetters = new DeadLetters(producer, config.topics(), config.workerId());
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.farmKey = Objects.requireNonNull(farmKey, "farmKey");
        this.tools = new CloneJob.Tools(config.workerId(), engine, store, access, config.disk().flashcopy(),
                diskExecutor, publisher, config.copyOptions(), metrics, config.copyRateFile(),
                new CloneKeySeeder(farmKey, config.mountDirectory()));
    }

    /** Completes when the group first assigned this worker (possibly no partitions). */
    public CompletableFuture<Void> assignedOnce() {
        return assignedOnce;
    }

    /** Requests not yet fetched on this worker's partitions, -1 while unknown. */
    public long consumerLag() {
        return consumerLag;
    }

    /** Whether the loop is polling (for {@code /health}). */
    public boolean isPolling() {
        return polling;
    }

    /** Asks the loop to stop: it cancels its copies, commits, leaves the group and returns. */
    public void stop() {
        running.set(false);
        Consumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
    }

    @Override
    public void run() {
        copyFacts = new CopyFacts(config.topics().events(), eventConsumers, "worker-" + config.workerId() + "-copy-facts");
        verifier = new RequestVerifier(farmKey, copyFacts, tools.access());
        try (Consumer<String, byte[]> kafka = requestConsumers.get()) {
            consumer = kafka;
            committer = new OffsetCommitter(kafka);
            kafka.subscribe(List.of(config.topics().cloneRequests()), new PartitionHandover(config.workerId(),
                    committer, admission, this::stopCopiesOf, () -> assignedOnce.complete(null)));
            polling = true;
            while (running.get()) {
                ConsumerRecords<String, byte[]> records;
                try {
                    records = kafka.poll(POLL);
                } catch (WakeupException e) {
                    break;
                }
                if (!records.isEmpty()) {
                    CompletableFuture<Void> fence = copyFacts.fence();
                    for (ConsumerRecord<String, byte[]> record : records) {
                        take(record, fence);
                    }
                }
                checkCopyFacts();
                drainCompletions();
                cancelCopiesEndedElsewhere();
                admission.admit(this::judge);
                admission.pauseOrResume(kafka);
                committer.commitAsync();
                consumerLag = lag(kafka);
            }
            polling = false;
            shutdown();
        } catch (WakeupException e) {
            LOG.debug("woken up while closing");
        } catch (KafkaException e) {
            LOG.error("worker {}: the consumer loop stopped: {}", config.workerId(), e.toString(), e);
            cancelAndAwait(new ArrayList<>(jobsByKey.values()));
            assignedOnce.completeExceptionally(e);
            throw e;
        } finally {
            polling = false;
            consumer = null;
            copyFacts.close();
        }
    }

    /** The view of finished copies stopped on an error: no request can be judged any more, so the loop stops. */
    private void checkCopyFacts() {
        CompletableFuture<Void> stopped = copyFacts.stopped();
        if (stopped.isCompletedExceptionally()) {
            Throwable cause = stopped.handle((ok, error) -> error).join();
            throw new KafkaException("worker " + config.workerId() + " lost its view of " + config.topics().events()
                    + " and cannot tell which copies are over: " + cause, cause);
        }
    }

    /** A record fetched: into the ledger and the partition's backlog. */
    private void take(ConsumerRecord<String, byte[]> record, CompletableFuture<Void> fence) {
        Submitted entry = committer.submit(record);
        String source;
        try {
            source = CloneJob.sourcesOf(ContractCodec.decodeRequest(record.value(), "grouping"));
        } catch (ContractException e) {
            source = ""; // judged (and dead-lettered) when it is the head
        }
        admission.enqueue(new TopicPartition(record.topic(), record.partition()),
                new Pending(record, entry, fence, source));
    }

    /** Cancels the copies running here whose attempt another producer has ended (copied, started, cancelled). */
    private void cancelCopiesEndedElsewhere() {
        for (Running running : jobsByKey.values()) {
            if (running.superseded) {
                continue;
            }
            Optional<String> endedBy = copyFacts.finishedBy(running.job.request());
            if (endedBy.isPresent() && !endedBy.get().equals(config.workerId())) {
                running.superseded = true;
                metrics.superseded();
                LOG.warn("clone {} attempt {} was ended by {} while it was being copied here; stopping this copy"
                        + " so it cannot overwrite the clone", running.job.request().getUserid(),
                        running.job.request().getAttempt(), endedBy.get());
                running.job.cancel();
            }
        }
    }

    /**
     * Decides about a backlog's head (see the class comment): poison to the DLQ, a duplicate joins its
     * running copy, an attempt over elsewhere is finished without a copy; otherwise it starts when there
     * is room, after the verifier has admitted it.
     */
    private Step judge(TopicPartition partition, Pending head) {
        if (!running.get() || !head.fence.isDone() || head.fence.isCompletedExceptionally()) {
            return Step.WAIT; // stopping, or the view of finished copies has not caught up yet (or stopped)
        }
        String origin = head.record.topic() + "/" + head.record.partition() + "@" + head.record.offset();
        CloneRequest request;
        try {
            request = validate(ContractCodec.decodeRequest(head.record.value(), origin), origin);
        } catch (ContractException e) {
            sendToDeadLetters(head, e.getMessage());
            return Step.TAKEN;
        }
        String key = CloneJob.key(request);
        Running same = jobsByKey.get(key);
        if (same != null) {
            same.records.add(head); // delivered twice while running: the running copy answers both
            metrics.duplicateJoined();
            LOG.info("request {} at {} is already being copied here; it joins that copy", key, origin);
            return Step.TAKEN;
        }
        Optional<String> endedBy = copyFacts.finishedBy(request);
        if (endedBy.isPresent()) {
            committer.markDone(head.entry);
            metrics.alreadyFinished();
            LOG.info("request {} at {} is not copied: its attempt was already ended by {} (a clone that"
                    + " may have booted is never copied over)", key, origin, endedBy.get());
            return Step.TAKEN;
        }
        if (!admission.hasRoomFor(request.getUserid())) {
            return Step.WAIT; // another attempt of this clone runs, or no room
        }
        RequestVerifier.Verdict verdict = verifier.verify(head.record, request);
        if (verdict instanceof RequestVerifier.Admitted admitted) {
            start(partition, head, request, admitted);
        } else if (verdict instanceof RequestVerifier.Rejected rejected) {
            reject(head, request, rejected.reason());
        } else {
            failUnavailable(head, request, (RequestVerifier.Unavailable) verdict);
        }
        return Step.TAKEN;
    }

    private static CloneRequest validate(CloneRequest request, String origin) {
        if (request.getUserid().isEmpty() || request.getBatchId().isEmpty() || request.getAttempt() < 1) {
            throw new ContractException("CloneRequest at " + origin + " lacks a userid, a batch_id or an attempt >= 1"
                    + " (userid '" + request.getUserid() + "', batch '" + request.getBatchId() + "', attempt "
                    + request.getAttempt() + ")");
        }
        return request;
    }

    private void start(TopicPartition partition, Pending pending, CloneRequest request,
            RequestVerifier.Admitted admitted) {
        CloneJob job = new CloneJob(request, admitted.disks(), tools);
        Running running = new Running(job, partition);
        running.records.add(pending);
        jobsByKey.put(CloneJob.key(request), running);
        admission.started(request.getUserid(), pending.source());
        LOG.info("copying clone {} attempt {} ({} at offset {})", request.getUserid(), request.getAttempt(),
                partition, pending.record.offset());
        running.outcome = job.start();
        running.outcome.whenComplete((outcome, error) -> completions.add(() -> finished(running, outcome)));
    }

    /** On the loop thread: a job ended. */
    private void finished(Running running, CloneJob.Outcome outcome) {
        if (jobsByKey.remove(CloneJob.key(running.job.request()), running)) {
            admission.finished(running.job.request().getUserid());
        }
        CloneJob.Outcome effective = running.superseded && outcome == CloneJob.Outcome.CANCELLED
                ? CloneJob.Outcome.FINISHED // ended elsewhere: nothing left to do for these records
                : outcome;
        for (Pending pending : running.records) {
            switch (effective) {
                case FINISHED -> committer.markDone(pending.entry);
                case REDELIVER -> {
                    if (committer.isCurrent(pending.entry)) {
                        admission.requeue(running.partition, pending);
                    }
                }
                case CANCELLED -> {
                    // revoked or stopping: not committed, the partition's next owner copies it
                }
            }
        }
    }

    private void sendToDeadLetters(Pending pending, String reason) {
        metrics.deadLetter();
        doneWhenAcknowledged(pending, List.of(deadLetters.send(pending.record, reason)));
    }

    /** A request that is not the coordinator's: dead-lettered and told as a {@code RequestRejected}, never copied. */
    private void reject(Pending pending, CloneRequest request, String reason) {
        metrics.requestRejected();
        CloneEvent rejected = publisher.events().newEvent(request.getBatchId(), request.getUserid(), request.getAttempt())
                .setRequestRejected(RequestRejected.newBuilder().setRequestId(request.getRequestId())
                        .setReason(reason).setWorkerId(config.workerId())).build();
        doneWhenAcknowledged(pending, List.of(deadLetters.send(pending.record, reason), publisher.publish(rejected)));
    }

    /** The coordinator's request, but a disk's bytes cannot be reached: the copy fails, nothing written. */
    private void failUnavailable(Pending pending, CloneRequest request, RequestVerifier.Unavailable unavailable) {
        metrics.cloneFailed();
        LOG.warn("clone {} attempt {}: {}", request.getUserid(), request.getAttempt(), unavailable.reason());
        CloneEvent failed = publisher.events().newEvent(request.getBatchId(), request.getUserid(), request.getAttempt())
                .setCopyFailed(CopyFailed.newBuilder().setVaddr(unavailable.vaddr()).setOffset(CopyException.NO_OFFSET)
                        .setReason(unavailable.reason()).setRetryable(unavailable.retryable())
                        .setWorkerId(config.workerId())).build();
        doneWhenAcknowledged(pending, List.of(publisher.publish(failed)));
    }

    /** Marks the record done once every send is acknowledged; one that fails leaves it uncommitted. */
    private void doneWhenAcknowledged(Pending pending, List<java.util.concurrent.Future<RecordMetadata>> sends) {
        Thread waiter = new Thread(() -> { // blocks until acknowledged: never in the single-threaded common pool
            try {
                for (java.util.concurrent.Future<RecordMetadata> sent : sends) {
                    sent.get();
                }
                completions.add(() -> committer.markDone(pending.entry));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                // not committed: the record comes back after a restart or rebalance and is judged again
                LOG.error("dead letter or event for {} not acknowledged: {}", pending.entry, e.getCause().toString());
            }
        }, "clonefarm-dead-letter-ack");
        waiter.setDaemon(true);
        waiter.start();
    }

    private void drainCompletions() {
        Runnable completion;
        while ((completion = completions.poll()) != null) {
            completion.run();
        }
    }

    private long lag(Consumer<String, byte[]> kafka) {
        long sum = 0;
        for (TopicPartition partition : kafka.assignment()) {
            OptionalLong lag = kafka.currentLag(partition);
            if (lag.isEmpty()) {
                return -1;
            }
            sum += lag.getAsLong();
        }
        return sum;
    }

    /** Cancels the jobs and waits (bounded) until their copies stopped at a checkpoint. */
    private void cancelAndAwait(List<Running> jobs) {
        if (jobs.isEmpty()) {
            return;
        }
        for (Running running : jobs) {
            running.job.cancel();
        }
        CompletableFuture<?>[] outcomes = jobs.stream().map(r -> r.outcome).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(outcomes).get(CANCEL_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("{} copies did not stop within {} ms: {}", jobs.size(), CANCEL_WAIT_MILLIS, e.toString());
        }
        drainCompletions();
    }

    /** For {@link PartitionHandover}: cancels the jobs of partitions that leave and waits for them. */
    private void stopCopiesOf(Set<TopicPartition> partitions) {
        List<Running> affected = new ArrayList<>();
        for (Running running : jobsByKey.values()) {
            if (partitions.contains(running.partition)) {
                affected.add(running);
            }
        }
        cancelAndAwait(affected);
    }

    private void shutdown() {
        LOG.info("worker {} stopping: cancelling {} copies at a checkpoint", config.workerId(), jobsByKey.size());
        cancelAndAwait(new ArrayList<>(jobsByKey.values()));
        committer.commitSync(PartitionHandover.COMMIT_TIMEOUT);
        producer.flush();
    }
}
