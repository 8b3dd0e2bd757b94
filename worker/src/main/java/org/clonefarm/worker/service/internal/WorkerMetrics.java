package org.clonefarm.worker.service.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The worker's meters, in Prometheus names:
 * <ul>
 *   <li>{@code clonefarm_worker_bytes_written_total}: bytes the copies wrote (durable);</li>
 *   <li>{@code clonefarm_worker_bytes_skipped_total}: bytes accounted for without a write (checkpoint,
 *       zero, equal by compare);</li>
 *   <li>{@code clonefarm_worker_copy_rate_mib_per_second}: the rate of the last clone copied;</li>
 *   <li>{@code clonefarm_worker_clone_copy_seconds}: wall time per clone (a timer);</li>
 *   <li>{@code clonefarm_worker_checkpoint_commit_seconds}: force + synced checkpoint write per batch (a timer);</li>
 *   <li>{@code clonefarm_worker_clones_total{outcome}}: clones copied, failed, cancelled, re-delivered;</li>
 *   <li>{@code clonefarm_worker_requests_in_flight}: clones being copied now;</li>
 *   <li>{@code clonefarm_worker_consumer_lag_records}: requests waiting on this worker's partitions;</li>
 *   <li>{@code clonefarm_worker_dead_letters_total}: records sent to the dead-letter topic.</li>
 * </ul>
 * Thread-safe (Micrometer meters are).
 */
public final class WorkerMetrics {
    private final Counter bytesWritten;
    private final Counter bytesSkipped;
    private final Timer cloneCopy;
    private final Timer checkpointCommit;
    private final Counter copied;
    private final Counter failed;
    private final Counter cancelled;
    private final Counter duplicates;
    private final Counter alreadyFinished;
    private final Counter superseded;
    private final Counter deadLetters;
    private final Counter rejected;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong rateMicroMibPerSecond = new AtomicLong();

    public WorkerMetrics(MeterRegistry registry, String workerId, LongSupplier consumerLag) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(consumerLag, "consumerLag");
        bytesWritten = Counter.builder("clonefarm.worker.bytes.written").baseUnit("bytes")
                .description("Bytes written by this worker's copies (durable)").tag("worker", workerId).register(registry);
        bytesSkipped = Counter.builder("clonefarm.worker.bytes.skipped").baseUnit("bytes")
                .description("Bytes accounted for without a write: checkpointed, zero, or equal by compare")
                .tag("worker", workerId).register(registry);
        cloneCopy = Timer.builder("clonefarm.worker.clone.copy").description("Wall time of a clone's copy")
                .tag("worker", workerId).register(registry);
        checkpointCommit = Timer.builder("clonefarm.worker.checkpoint.commit")
                .description("Force of the target plus the synced checkpoint write, per checkpoint batch")
                .tag("worker", workerId).register(registry);
        copied = outcome(registry, workerId, "copied");
        failed = outcome(registry, workerId, "failed");
        cancelled = outcome(registry, workerId, "cancelled");
        duplicates = outcome(registry, workerId, "duplicate");
        alreadyFinished = outcome(registry, workerId, "already_finished");
        superseded = outcome(registry, workerId, "superseded");
        deadLetters = Counter.builder("clonefarm.worker.dead.letters").description("Records sent to the dead-letter topic")
                .tag("worker", workerId).register(registry);
        rejected = Counter.builder("clonefarm.worker.requests.rejected")
                .description("Clone requests refused as not the coordinator's (unsigned, unplanned, or not the clone's disks)")
                .tag("worker", workerId).register(registry);
        Gauge.builder("clonefarm.worker.requests.in.flight", inFlight, AtomicInteger::get)
                .description("Clones being copied now").tag("worker", workerId).register(registry);
        Gauge.builder("clonefarm.worker.copy.rate.mib.per.second", rateMicroMibPerSecond, r -> r.get() / 1e6)
                .description("Copy rate of the last clone, MiB/s").tag("worker", workerId).register(registry);
        Gauge.builder("clonefarm.worker.consumer.lag.records", consumerLag, s -> s.getAsLong())
                .description("Requests not yet fetched on this worker's partitions (-1 while unknown)")
                .tag("worker", workerId).register(registry);
    }

    private static Counter outcome(MeterRegistry registry, String workerId, String outcome) {
        return Counter.builder("clonefarm.worker.clones").description("Clone requests by how they ended")
                .tag("worker", workerId).tag("outcome", outcome).register(registry);
    }

    public void diskCopied(long written, long skipped) {
        bytesWritten.increment(written);
        bytesSkipped.increment(skipped);
    }

    public void cloneCopied(Duration wall, double mibPerSecond) {
        copied.increment();
        cloneCopy.record(wall);
        if (mibPerSecond > 0) {
            rateMicroMibPerSecond.set(Math.round(mibPerSecond * 1e6));
        }
    }

    public void checkpointCommitted(long nanos) {
        checkpointCommit.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    public void cloneFailed() {
        failed.increment();
    }

    public void cloneCancelled() {
        cancelled.increment();
    }

    public void duplicateJoined() {
        duplicates.increment();
    }

    /** A request not copied because its attempt was already over. */
    public void alreadyFinished() {
        alreadyFinished.increment();
    }

    /** A running copy stopped because another producer ended its attempt. */
    public void superseded() {
        superseded.increment();
    }

    /** A request was refused (it is also dead-lettered). */
    public void requestRejected() {
        rejected.increment();
        deadLetters.increment();
    }

    public void deadLetter() {
        deadLetters.increment();
    }

    public void started() {
        inFlight.incrementAndGet();
    }

    public void ended() {
        inFlight.decrementAndGet();
    }

    /** Clones being copied now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Bytes written so far. */
    public double bytesWritten() {
        return bytesWritten.count();
    }
}
