package org.clonefarm.worker.service.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.proto.CloneCopied;
import org.clonefarm.proto.CloneDisk;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.CopyFailed;
import org.clonefarm.proto.CopyProgress;
import org.clonefarm.proto.CopyStarted;
import org.clonefarm.proto.DiskCopied;
import org.clonefarm.worker.copy.CopyCancellation;
import org.clonefarm.worker.copy.CopyEngine;
import org.clonefarm.worker.copy.CopyException;
import org.clonefarm.worker.copy.CopyListener;
import org.clonefarm.worker.copy.CopyOptions;
import org.clonefarm.worker.copy.CopyOutcome;
import org.clonefarm.worker.copy.CopyPlan;
import org.clonefarm.worker.copy.CopyResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one clone request that {@link RequestVerifier} admitted: its COPY disks, from and to the bytes
 * the CP directory gives them, in parallel on the copy engine, with events on the way.
 *
 * <p>Events, all with the request's batch id, userid and attempt: {@code CopyStarted}; {@code
 * CopyProgress} per disk at most once a second, for durable (checkpointed) bytes only; then either a
 * {@code DiskCopied} per disk and {@code CloneCopied}, or one {@code CopyFailed} (the first disk that
 * failed, with the engine's retryable flag, path offset and reason). The job's future completes with
 * {@link Outcome#FINISHED} only after the broker acknowledged those final events: the caller may then
 * commit the request's offset. A cancelled job ({@link #cancel()}: revocation, shutdown) publishes no
 * final event and completes with {@link Outcome#CANCELLED}; its copies stopped at a checkpoint.
 *
 * <p>A request whose disks are all checkpointed already costs no I/O: the engine answers from the
 * checkpoints and the job re-emits the same results (same digests). A request that moved here from
 * another worker copies with resume-by-compare, so chunks already on the target are read, not written.
 *
 * <p>Thread-safety: {@link #start()} once, from any thread; {@link #cancel()} from any thread. The
 * future completes on an engine or producer thread.
 */
public final class CloneJob {
    private static final Logger LOG = LoggerFactory.getLogger(CloneJob.class);
    private static final long PROGRESS_INTERVAL_NANOS = 1_000_000_000L;
    private static final double MIB = 1024.0 * 1024.0;

    /** How a job ended. */
    public enum Outcome {
        /** Final events acknowledged (copied, or failed with CopyFailed): commit the offset. */
        FINISHED,
        /** Stopped on request at a checkpoint; nothing final published: do not commit. */
        CANCELLED,
        /** The final events could not be published: deliver the request to a job again. */
        REDELIVER
    }

    private final CloneRequest request;
    private final List<RequestVerifier.AdmittedDisk> disks;
    private final String workerId;
    private final CopyEngine engine;
    private final EventPublisher publisher;
    private final CopyOptions options;
    private final WorkerMetrics metrics;
    private final Path copyRateFile;
    private final CopyCancellation cancellation = new CopyCancellation();
    private volatile boolean stopRequested;

    /**
     * @param disks the request's disks to copy with their bytes, as {@link RequestVerifier} admitted them
     */
    CloneJob(CloneRequest request, List<RequestVerifier.AdmittedDisk> disks, String workerId, CopyEngine engine,
            EventPublisher publisher, CopyOptions options, WorkerMetrics metrics, Path copyRateFile) {
        this.request = Objects.requireNonNull(request, "request");
        this.disks = List.copyOf(disks);
        this.workerId = Objects.requireNonNull(workerId, "workerId");
        this.engine = Objects.requireNonNull(engine, "engine");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.options = Objects.requireNonNull(options, "options").withResumeByCompare(true);
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.copyRateFile = Objects.requireNonNull(copyRateFile, "copyRateFile");
    }

    /** {@code USERID#attempt}: two deliveries of one request have the same key. */
    public static String key(CloneRequest request) {
        return request.getUserid() + "#" + request.getAttempt();
    }

    public CloneRequest request() {
        return request;
    }

    /** Stops the copies at a checkpoint; the job then completes {@link Outcome#CANCELLED}. Idempotent. */
    public void cancel() {
        stopRequested = true;
        cancellation.cancel();
    }

    /** A disk to copy and its plan. */
    private record DiskCopy(CloneDisk disk, CopyPlan plan) {
    }

    /** Starts the copies; the future never fails (every failure is an outcome). */
    public CompletableFuture<Outcome> start() {
        long startNanos = System.nanoTime();
        metrics.started();
        CompletableFuture<Outcome> outcome;
        try {
            outcome = run(startNanos);
        } catch (RuntimeException e) {
            outcome = CompletableFuture.failedFuture(e);
        }
        return outcome.handle((result, error) -> {
            metrics.ended();
            if (error != null) {
                LOG.error("clone {} attempt {}: job failed unexpectedly, will be delivered again: {}",
                        request.getUserid(), request.getAttempt(), error.toString(), error);
                return Outcome.REDELIVER;
            }
            return result;
        });
    }

    private CompletableFuture<Outcome> run(long startNanos) {
        List<DiskCopy> copies = new ArrayList<>();
        for (RequestVerifier.AdmittedDisk disk : disks) {
            copies.add(new DiskCopy(disk.disk(), new CopyPlan(disk.source(), disk.target(), options, null)));
        }
        long total = 0;
        for (DiskCopy copy : copies) {
            total += copy.disk.getSource().getByteLength();
        }
        CompletableFuture<?> started = publisher.publish(event().setCopyStarted(CopyStarted.newBuilder()
                .setWorkerId(workerId).setDisks(copies.size()).setBytesTotal(total)).build());
        List<CompletableFuture<CopyResult>> results = new ArrayList<>();
        for (DiskCopy copy : copies) {
            CompletableFuture<CopyResult> result = engine.copy(copy.plan, progressPublisher(copy.disk), cancellation);
            // a failed disk stops its siblings at a checkpoint: the clone fails anyway
            result.whenComplete((r, e) -> {
                if (e != null) {
                    cancellation.cancel();
                }
            });
            results.add(result);
        }
        long bytesTotal = total;
        return CompletableFuture.allOf(results.stream().map(f -> f.handle((r, e) -> null))
                        .toArray(CompletableFuture[]::new))
                .thenCompose(ignored -> finish(copies, results, bytesTotal, startNanos, started));
    }

    private CompletableFuture<Outcome> finish(List<DiskCopy> copies, List<CompletableFuture<CopyResult>> results,
            long bytesTotal, long startNanos, CompletableFuture<?> started) {
        CopyException failure = null;
        String failedVaddr = null;
        Throwable unexpected = null;
        boolean cancelled = false;
        List<CopyResult> done = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            CompletableFuture<CopyResult> future = results.get(i);
            try {
                CopyResult result = future.join();
                done.add(result);
                cancelled |= result.outcome() == CopyOutcome.CANCELLED;
            } catch (CompletionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof CopyException copy && failure == null) {
                    failure = copy;
                    failedVaddr = copies.get(i).disk.getVaddr();
                } else if (!(cause instanceof CopyException) && unexpected == null) {
                    unexpected = cause;
                    failedVaddr = failedVaddr == null ? copies.get(i).disk.getVaddr() : failedVaddr;
                }
            }
        }
        if (stopRequested) {
            metrics.cloneCancelled();
            LOG.info("clone {} attempt {}: copies stopped at a checkpoint", request.getUserid(), request.getAttempt());
            return CompletableFuture.completedFuture(Outcome.CANCELLED);
        }
        if (failure != null) {
            String where = failure.path() == null ? "" : " (" + failure.path()
                    + (failure.offset() >= 0 ? " at byte " + failure.offset() : "") + ")";
            return publishFinal(List.of(failed(failedVaddr, failure.offset(),
                    failure.kind() + ": " + failure.getMessage() + where, failure.retryable())), started);
        }
        if (unexpected != null) {
            return publishFinal(List.of(failed(failedVaddr, CopyException.NO_OFFSET,
                    "unexpected error: " + unexpected, false)), started);
        }
        if (cancelled) {
            // only our own cancellation cancels, and only stopRequested or a failure cancels it
            throw new IllegalStateException("copy of " + request.getUserid() + " cancelled without a stop request");
        }
        List<CloneEvent> finals = new ArrayList<>();
        long written = 0;
        for (int i = 0; i < copies.size(); i++) {
            CopyResult result = done.get(i);
            long skipped = result.bytesSkippedCheckpoint() + result.bytesSkippedZero() + result.bytesSkippedCompare();
            written += result.bytesWritten();
            metrics.diskCopied(result.bytesWritten(), skipped);
            finals.add(event().setDiskCopied(DiskCopied.newBuilder()
                    .setVaddr(copies.get(i).disk.getVaddr())
                    .setBytesTotal(result.bytesTotal())
                    .setDigest(result.digest())
                    .setBytesWritten(result.bytesWritten())
                    .setBytesSkipped(skipped)
                    .setVerified(result.verified())).build());
        }
        Duration wall = Duration.ofNanos(System.nanoTime() - startNanos);
        finals.add(event().setCloneCopied(CloneCopied.newBuilder()
                .setBytesTotal(bytesTotal).setWallMillis(wall.toMillis()).setWorkerId(workerId)).build());
        double seconds = Math.max(wall.toNanos() / 1e9, 1e-6);
        double mibPerSecond = written > 0 ? bytesTotal / MIB / seconds : 0;
        long bytesWritten = written;
        return publishFinal(finals, started).thenApply(outcome -> {
            if (outcome == Outcome.FINISHED) {
                metrics.cloneCopied(wall, mibPerSecond);
                if (bytesWritten > 0) {
                    recordCopyRate(mibPerSecond);
                }
                LOG.info("clone {} attempt {} copied: {} bytes, {} written, {} ms", request.getUserid(),
                        request.getAttempt(), bytesTotal, bytesWritten, wall.toMillis());
            }
            return outcome;
        });
    }

    private CloneEvent failed(String vaddr, long offset, String reason, boolean retryable) {
        metrics.cloneFailed();
        LOG.warn("clone {} attempt {}: copy failed on disk {} ({}): {}", request.getUserid(), request.getAttempt(),
                vaddr, retryable ? "retryable" : "not retryable", reason);
        return event().setCopyFailed(CopyFailed.newBuilder().setVaddr(vaddr == null ? "" : vaddr).setOffset(offset)
                .setReason(reason).setRetryable(retryable).setWorkerId(workerId)).build();
    }

    /** Publishes the final events and completes once the broker acknowledged all of them. */
    private CompletableFuture<Outcome> publishFinal(List<CloneEvent> finals, CompletableFuture<?> started) {
        List<CompletableFuture<?>> acks = new ArrayList<>();
        if (started != null) {
            acks.add(started);
        }
        for (CloneEvent event : finals) {
            acks.add(publisher.publish(event));
        }
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).handle((ok, error) -> {
            if (error != null) {
                LOG.warn("clone {} attempt {}: events not acknowledged ({}); the request will be delivered again",
                        request.getUserid(), request.getAttempt(), error.toString());
                return Outcome.REDELIVER;
            }
            return Outcome.FINISHED;
        });
    }

    private CopyListener progressPublisher(CloneDisk disk) {
        long[] lastSent = {System.nanoTime() - PROGRESS_INTERVAL_NANOS};
        return new CopyListener() {
            @Override
            public void onProgress(org.clonefarm.worker.copy.CopyProgress progress) {
                long now = System.nanoTime();
                // the engine's last report (bytesDone == total) is followed by DiskCopied: no progress needed
                if (now - lastSent[0] < PROGRESS_INTERVAL_NANOS || progress.bytesDone() >= progress.bytesTotal()) {
                    return;
                }
                lastSent[0] = now;
                publisher.publish(event().setCopyProgress(CopyProgress.newBuilder()
                        .setVaddr(disk.getVaddr())
                        .setBytesDone(progress.bytesDone())
                        .setBytesTotal(progress.bytesTotal())
                        .setBytesPerSecond(progress.bytesPerSecond())).build())
                        .whenComplete((metadata, error) -> {
                            if (error != null) {
                                LOG.warn("progress of {} disk {} not published: {}", request.getUserid(),
                                        disk.getVaddr(), error.toString());
                            }
                        });
            }

            @Override
            public void onCheckpointCommitted(long nanos, int chunks) {
                metrics.checkpointCommitted(nanos);
            }
        };
    }

    private CloneEvent.Builder event() {
        return publisher.events().newEvent(request.getBatchId(), request.getUserid(), request.getAttempt());
    }

    /** Writes the rate as a plain decimal (MiB/s) with an atomic rename, for {@code clonefarm plan}. */
    private void recordCopyRate(double mibPerSecond) {
        try {
            Files.createDirectories(copyRateFile.getParent());
            Path temp = Files.createTempFile(copyRateFile.getParent(), ".copy-rate", ".tmp");
            Files.writeString(temp, String.format(Locale.ROOT, "%.1f%n", mibPerSecond), StandardCharsets.US_ASCII);
            Files.move(temp, copyRateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("cannot record the copy rate in {}: {}", copyRateFile, e.toString());
        }
    }
}
