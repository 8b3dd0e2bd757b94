package org.clonefarm.worker.service.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.proto.CloneCopied;
import org.clonefarm.proto.CloneDisk;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.CopyFailed;
import org.clonefarm.proto.CopyProgress;
import org.clonefarm.proto.CopyStarted;
import org.clonefarm.proto.DiskCopied;
import org.clonefarm.proto.DiskExtent;
import org.clonefarm.worker.copy.CheckpointStore;
import org.clonefarm.worker.copy.CopyCancellation;
import org.clonefarm.worker.copy.CopyEngine;
import org.clonefarm.worker.copy.CopyException;
import org.clonefarm.worker.copy.CopyListener;
import org.clonefarm.worker.copy.CopyOptions;
import org.clonefarm.worker.copy.CopyOutcome;
import org.clonefarm.worker.copy.CopyPlan;
import org.clonefarm.worker.copy.CopyResult;
import org.clonefarm.worker.copy.DiskDigest;
import org.clonefarm.worker.disk.AttachedDisk;
import org.clonefarm.worker.disk.DiskAccessException;
import org.clonefarm.worker.disk.FlashcopyPolicy;
import org.clonefarm.worker.disk.MinidiskAccess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one clone request that {@link RequestVerifier} admitted: its COPY disks, each attached through the
 * worker's {@link MinidiskAccess} (LINKed at free vdevs on z/VM, volume image extents in the simulation),
 * all disks in parallel, with events on the way.
 *
 * <p>Per disk, on a thread of the disk executor (never the poll loop's: LINK, udev and FLASHCOPY block):
 * attach the source read-only and the target read/write; try CP FLASHCOPY as the {@link FlashcopyPolicy}
 * says (auto: on refusal fall back, with the reason in the event; required: a refusal fails the clone,
 * not retryable; never); format an ECKD target unless the request says it is formatted or checkpoints of
 * the copy exist (a format would destroy what they claim); then the chunked, checkpointed copy on the copy
 * engine; for the clone's /var, seed the clone's key into its file system ({@link CloneKeySeeder}) while the
 * target is still attached; and release both disks on every path (copied, failed, cancelled). A release that fails after
 * a good copy fails the clone (retryable): the disk may still be linked, and the worker's next start
 * detaches it.
 *
 * <p>Checkpoints are keyed by what is copied (batch, source owner and vaddr, target owner and vaddr,
 * length: {@link #copyId}), never by a vdev or device path, which change from one attach to the next: a
 * copy killed on the cp path resumes on new vdevs. A disk FLASHCOPY completed is recorded in the
 * checkpoint store, so a redelivered request re-emits its result without copying it again.
 *
 * <p>Events, all with the request's batch id, userid and attempt: {@code CopyStarted}; {@code
 * CopyProgress} per disk at most once a second, for durable (checkpointed) bytes only; then either a
 * {@code DiskCopied} per disk (with its method: {@code flashcopy}, {@code chunked} or {@code resumed}
 * when checkpoints of an earlier run were used) and {@code CloneCopied}, or one {@code CopyFailed} (the
 * first disk that failed, with what failed, where and whether a retry can help). {@code DiskCopied} of the /var
 * and {@code CloneCopied} are published only after the clone's key is durably on it, so a guest started on
 * that fact finds its key; a redelivered or retried request seeds it again. The job's future
 * completes with {@link Outcome#FINISHED} only after the broker acknowledged those final events: the
 * caller may then commit the request's offset. A cancelled job ({@link #cancel()}: revocation, shutdown)
 * publishes no final event and completes with {@link Outcome#CANCELLED}; its copies stopped at a
 * checkpoint and its disks were released.
 *
 * <p>Disks of clones of one master copied here at once are one fan-out of the copy engine: the plans name the
 * master's extent as their source key ({@link #sourceKey}), so each master chunk is read once for all of them, while
 * each disk keeps its own checkpoints, events and failure.
 *
 * <p>A request whose disks are all checkpointed already costs no copy I/O: the engine answers from the
 * checkpoints and the job re-emits the same results (same digests). A request that moved here from
 * another worker copies with resume-by-compare, so chunks already on the target are read, not written.
 *
 * <p>Thread-safety: {@link #start()} once, from any thread; {@link #cancel()} from any thread. The
 * future completes on a disk executor, engine or producer thread.
 */
public final class CloneJob {
    private static final Logger LOG = LoggerFactory.getLogger(CloneJob.class);
    private static final long PROGRESS_INTERVAL_NANOS = 1_000_000_000L;
    private static final double MIB = 1024.0 * 1024.0;
    /** {@code DiskCopied.method} values. */
    static final String FLASHCOPY = "flashcopy";
    static final String CHUNKED = "chunked";
    static final String RESUMED = "resumed";
    static final String REFRESHED = "refreshed";
    static final String UNCHANGED = "unchanged";

    /** How a job ended. */
    public enum Outcome {
        /** Final events acknowledged (copied, or failed with CopyFailed): commit the offset. */
        FINISHED,
        /** Stopped on request at a checkpoint; nothing final published: do not commit. */
        CANCELLED,
        /** The final events could not be published: deliver the request to a job again. */
        REDELIVER
    }

    /** What a job needs of its worker, shared by every job. */
    record Tools(String workerId, CopyEngine engine, CheckpointStore store, MinidiskAccess access,
            FlashcopyPolicy flashcopy, Executor diskExecutor, EventPublisher publisher, CopyOptions options,
            WorkerMetrics metrics, Path copyRateFile, CloneKeySeeder keys, RefreshPlanner refresh) {
        /** The tools of a worker, with its one {@link RefreshPlanner} over {@code store}. */
        Tools(String workerId, CopyEngine engine, CheckpointStore store, MinidiskAccess access, FlashcopyPolicy flashcopy,
                Executor diskExecutor, EventPublisher publisher, CopyOptions options, WorkerMetrics metrics,
                Path copyRateFile, CloneKeySeeder keys) {
            this(workerId, engine, store, access, flashcopy, diskExecutor, publisher, options, metrics, copyRateFile, keys,
                    new RefreshPlanner(store));
        }

        Tools {
            Objects.requireNonNull(workerId, "workerId");
            Objects.requireNonNull(engine, "engine");
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(access, "access");
            Objects.requireNonNull(flashcopy, "flashcopy");
            Objects.requireNonNull(diskExecutor, "diskExecutor");
            Objects.requireNonNull(publisher, "publisher");
            Objects.requireNonNull(options, "options");
            Objects.requireNonNull(metrics, "metrics");
            Objects.requireNonNull(copyRateFile, "copyRateFile");
            Objects.requireNonNull(keys, "keys");
            Objects.requireNonNull(refresh, "refresh");
        }
    }

    private final CloneRequest request;
    private final List<RequestVerifier.AdmittedDisk> disks;
    private final Tools tools;
    private final String workerId;
    private final EventPublisher publisher;
    private final CopyOptions options;
    private final WorkerMetrics metrics;
    private final CopyCancellation cancellation = new CopyCancellation();
    private volatile boolean stopRequested;

    /**
     * @param disks the request's disks to copy, as {@link RequestVerifier} admitted them
     */
    CloneJob(CloneRequest request, List<RequestVerifier.AdmittedDisk> disks, Tools tools) {
        this.request = Objects.requireNonNull(request, "request");
        this.disks = List.copyOf(disks);
        this.tools = Objects.requireNonNull(tools, "tools");
        this.workerId = tools.workerId();
        this.publisher = tools.publisher();
        this.options = tools.options().withResumeByCompare(true);
        this.metrics = tools.metrics();
    }

    /** {@code USERID#attempt}: two deliveries of one request have the same key. */
    public static String key(CloneRequest request) {
        return request.getUserid() + "#" + request.getAttempt();
    }

    /**
     * The checkpoint key of a disk's copy: {@code disk-} and 20 hex digits of the SHA-256 of the batch,
     * the source's and the target's owner and vaddr and the length. What is copied, not where it is
     * attached: the same on every attach, every worker and every attempt of the batch.
     */
    static String copyId(String batchId, CloneDisk disk) {
        DiskExtent source = disk.getSource();
        DiskExtent target = disk.getTarget();
        String text = batchId + "\n" + source.getOwner() + " " + source.getVaddr() + "\n" + target.getOwner() + " "
                + target.getVaddr() + "\n" + source.getByteLength();
        MessageDigest sha = DiskDigest.sha256();
        return "disk-" + HexFormat.of().formatHex(sha.digest(text.getBytes(StandardCharsets.UTF_8)), 0, 10);
    }

    /**
     * The identity of a disk's source bytes for the copy engine's fan-out: the master minidisk (owner, vaddr) and its
     * extent on its volume. The same for every clone of that master, whichever vdev or path the source is attached
     * at, so the disks of clones copied at once read the master's chunks once ({@code CopyPlan.sourceKey}).
     */
    static String sourceKey(CloneDisk disk) {
        DiskExtent source = disk.getSource();
        return "minidisk " + source.getOwner() + " " + source.getVaddr() + " on " + source.getVolser() + " at "
                + source.getByteOffset() + " length " + source.getByteLength();
    }

    /** The sources of every disk of {@code request}, sorted: requests with equal sources fan out together. */
    static String sourcesOf(CloneRequest request) {
        return request.getDisksList().stream().filter(CloneDisk::hasSource).map(CloneJob::sourceKey).sorted()
                .collect(java.util.stream.Collectors.joining("; "));
    }

    public CloneRequest request() {
        return request;
    }

    /** Stops the copies at a checkpoint; the job then completes {@link Outcome#CANCELLED}. Idempotent. */
    public void cancel() {
        stopRequested = true;
        cancellation.cancel();
    }

    /** How one disk was copied. */
    private record DiskResult(CloneDisk disk, String method, long bytesTotal, long bytesWritten, long bytesSkipped,
            String digest, String digestAlgorithm, boolean verified, String fallbackReason, long chunksRewritten) {
        DiskResult(CloneDisk disk, String method, long bytesTotal, long bytesWritten, long bytesSkipped, String digest,
                String digestAlgorithm, boolean verified, String fallbackReason) {
            this(disk, method, bytesTotal, bytesWritten, bytesSkipped, digest, digestAlgorithm, verified, fallbackReason, 0);
        }
    }

    /** A disk that could not be copied: which step, where, and whether a retry can help. */
    private static final class DiskFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final long offset;
        final boolean retryable;

        DiskFailure(String reason, long offset, boolean retryable, Throwable cause) {
            super(reason, cause);
            this.offset = offset;
            this.retryable = retryable;
        }
    }

    /** The copy stopped on request (cancel, or a sibling disk failed). */
    private static final class Stopped extends Exception {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super(null, null, false, false);
        }
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
        long total = 0;
        for (RequestVerifier.AdmittedDisk disk : disks) {
            total += disk.disk().getSource().getByteLength();
        }
        CompletableFuture<?> started = publisher.publish(event().setCopyStarted(CopyStarted.newBuilder()
                .setWorkerId(workerId).setDisks(disks.size()).setBytesTotal(total)).build());
        long bytesTotal = total;
        if (request.getRefresh()) {
            // a refresh first asks whether the master changed for any disk: if not, the clone is left as it is
            CompletableFuture<Boolean> changed = new CompletableFuture<>();
            tools.diskExecutor().execute(() -> {
                try {
                    changed.complete(masterChanged());
                } catch (Throwable e) {
                    changed.completeExceptionally(e);
                }
            });
            return changed.handle((anyChanged, error) -> {
                if (error != null) { // failed or stopped: reported as a copy that failed or stopped
                    Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                    return finish(List.of(CompletableFuture.<DiskResult>failedFuture(cause)), bytesTotal, startNanos,
                            started);
                }
                return anyChanged ? copyAll(bytesTotal, startNanos, started) : unchanged(bytesTotal, startNanos, started);
            }).thenCompose(outcome -> outcome);
        }
        return copyAll(bytesTotal, startNanos, started);
    }

    private CompletableFuture<Outcome> copyAll(long bytesTotal, long startNanos, CompletableFuture<?> started) {
        List<CompletableFuture<DiskResult>> results = new ArrayList<>();
        for (RequestVerifier.AdmittedDisk disk : disks) {
            CompletableFuture<DiskResult> result = new CompletableFuture<>();
            tools.diskExecutor().execute(() -> {
                try {
                    result.complete(copyDisk(disk.disk()));
                } catch (Throwable e) {
                    result.completeExceptionally(e);
                }
            });
            // a failed disk stops its siblings at a checkpoint: the clone fails anyway
            result.whenComplete((r, e) -> {
                if (e != null) {
                    cancellation.cancel();
                }
            });
            results.add(result);
        }
        return CompletableFuture.allOf(results.stream().map(f -> f.handle((r, e) -> null))
                        .toArray(CompletableFuture[]::new))
                .thenCompose(ignored -> finish(results, bytesTotal, startNanos, started));
    }

    /** Copies one disk, blocking: attach, FLASHCOPY or format and chunks, release. */
    private DiskResult copyDisk(CloneDisk disk) throws DiskFailure, Stopped {
        String copyId = copyId(request.getBatchId(), disk);
        long length = disk.getSource().getByteLength();
        MinidiskAccess access = tools.access();
        boolean refresh = request.getRefresh();
        // a refresh never answers from an earlier FLASHCOPY and never uses one: it rewrites what differs
        OptionalLong flashcopied = refresh ? OptionalLong.empty() : storageCopy(copyId);
        if (flashcopied.isPresent()) { // FLASHCOPY did it in an earlier delivery: the same result again
            DiskResult earlier = new DiskResult(disk, FLASHCOPY, flashcopied.getAsLong(), 0, 0, "", "", false, "");
            return CloneKeySeeder.holdsKey(disk) ? seedOnly(disk, earlier) : earlier;
        }
        AttachedDisk source = null;
        AttachedDisk target = null;
        DiskResult result = null;
        Exception failure = null;
        try {
            stopIfAsked();
            source = attach(access, disk.getSource(), MinidiskAccess.Mode.READ, "source");
            stopIfAsked();
            target = attach(access, disk.getTarget(), MinidiskAccess.Mode.WRITE, "target");
            stopIfAsked();
            String fallback = "";
            FlashcopyPolicy policy = tools.flashcopy();
            if (!refresh && policy != FlashcopyPolicy.NEVER && !access.canFlashcopy() && policy == FlashcopyPolicy.REQUIRED) {
                throw new DiskFailure("FLASHCOPY is required (--flashcopy required), but the " + access.kind().configName()
                        + " disk access cannot FLASHCOPY " + source.describe(), CopyException.NO_OFFSET, false, null);
            }
            if (!refresh && policy != FlashcopyPolicy.NEVER && access.canFlashcopy()) {
                try {
                    access.flashcopy(source, target);
                    tools.store().recordStorageCopy(copyId, length);
                    result = new DiskResult(disk, FLASHCOPY, length, 0, 0, "", "", false, "");
                } catch (DiskAccessException e) {
                    if (policy == FlashcopyPolicy.REQUIRED) {
                        throw new DiskFailure("FLASHCOPY is required (--flashcopy required) and failed: " + e.getMessage(),
                                CopyException.NO_OFFSET, false, e);
                    }
                    fallback = e.getMessage();
                    LOG.info("clone {} disk {}: FLASHCOPY not possible, copying in chunks: {}", request.getUserid(),
                            disk.getVaddr(), fallback);
                } catch (CopyException e) {
                    throw new DiskFailure("FLASHCOPY of " + source.describe() + " succeeded but cannot be recorded: "
                            + e.getMessage(), CopyException.NO_OFFSET, e.retryable(), e);
                }
            }
            if (result == null && refresh) {
                stopIfAsked();
                result = refreshed(disk, copyId, source, target);
            }
            if (result == null) {
                stopIfAsked();
                if (!disk.getTargetFormatted() && !checkpointed(copyId)) {
                    AttachedDisk formatted = target;
                    try {
                        access.formatTarget(target, line -> LOG.info("clone {} disk {}: formatting {}: {}",
                                request.getUserid(), disk.getVaddr(), formatted.describe(), line));
                    } catch (DiskAccessException e) {
                        throw new DiskFailure(e.getMessage(), CopyException.NO_OFFSET, e.retryable(), e);
                    }
                }
                stopIfAsked();
                result = chunked(disk, copyId, source, target, fallback);
            }
            if (CloneKeySeeder.holdsKey(disk)) {
                stopIfAsked();
                seedKey(target);
            }
        } catch (DiskFailure | Stopped | RuntimeException e) {
            failure = e;
        } finally {
            Exception released = release(access, target, release(access, source, null));
            if (released != null) {
                if (failure == null) {
                    DiskAccessException cause = (DiskAccessException) released;
                    failure = new DiskFailure("disk " + disk.getVaddr() + " was copied but not released: "
                            + cause.getMessage(), CopyException.NO_OFFSET, true, cause);
                } else {
                    failure.addSuppressed(released);
                }
            }
        }
        if (failure instanceof DiskFailure diskFailure) {
            throw diskFailure;
        }
        if (failure instanceof Stopped stopped) {
            throw stopped;
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        return result;
    }

    /** The clone's /var, copied by an earlier delivery: attach its target only to seed the key again. */
    private DiskResult seedOnly(CloneDisk disk, DiskResult earlier) throws DiskFailure, Stopped {
        MinidiskAccess access = tools.access();
        stopIfAsked();
        AttachedDisk target = attach(access, disk.getTarget(), MinidiskAccess.Mode.WRITE, "target");
        DiskFailure failure = null;
        try {
            seedKey(target);
        } catch (DiskFailure e) {
            failure = e;
        } finally {
            Exception released = release(access, target, null);
            if (released != null) {
                if (failure == null) {
                    failure = new DiskFailure("disk " + disk.getVaddr() + " was seeded but not released: "
                            + released.getMessage(), CopyException.NO_OFFSET, true, released);
                } else {
                    failure.addSuppressed(released);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return earlier;
    }

    /** Writes the clone's key of this attempt into the copied /var on {@code target}; durable when it returns. */
    private void seedKey(AttachedDisk target) throws DiskFailure {
        try {
            tools.keys().seed(request, target);
        } catch (DiskAccessException e) {
            throw new DiskFailure("copied, but the clone key cannot be seeded: " + e.getMessage(), CopyException.NO_OFFSET,
                    e.retryable(), e);
        }
    }

    private AttachedDisk attach(MinidiskAccess access, DiskExtent extent, MinidiskAccess.Mode mode, String which)
            throws DiskFailure {
        try {
            return access.attach(extent, mode);
        } catch (DiskAccessException e) {
            throw new DiskFailure("cannot attach the " + which + ": " + e.getMessage(), CopyException.NO_OFFSET,
                    e.retryable(), e);
        }
    }

    /** Releases {@code disk} if attached; returns {@code earlier}, or the failure with {@code earlier} suppressed. */
    private static Exception release(MinidiskAccess access, AttachedDisk disk, Exception earlier) {
        if (disk == null) {
            return earlier;
        }
        try {
            access.release(disk);
            return earlier;
        } catch (DiskAccessException | RuntimeException e) {
            if (earlier != null) {
                e.addSuppressed(earlier);
            }
            return e;
        }
    }

    /** Whether the master changed, at the request's version, for any disk to copy (blocking; attaches each source). */
    private boolean masterChanged() throws DiskFailure, Stopped {
        MinidiskAccess access = tools.access();
        for (RequestVerifier.AdmittedDisk admitted : disks) {
            CloneDisk disk = admitted.disk();
            stopIfAsked();
            AttachedDisk source = attach(access, disk.getSource(), MinidiskAccess.Mode.READ, "source");
            boolean changed;
            Exception failure = null;
            try {
                changed = tools.refresh().masterChanged(copyId(request.getBatchId(), disk), disk.getSource(),
                        source.region(), request.getMasterVersion(), options.chunkSize(), options.digest(), this::stopAsked);
            } catch (RefreshPlanner.Stopped e) {
                throw new Stopped();
            } catch (CopyException e) {
                throw new DiskFailure("refresh: " + e.getMessage(), CopyException.NO_OFFSET, e.retryable(), e);
            } catch (java.io.IOException e) {
                throw new DiskFailure("refresh: cannot read the master's " + source.describe() + ": " + e.getMessage(),
                        CopyException.NO_OFFSET, true, e);
            } finally {
                Exception released = release(access, source, null);
                if (released != null) {
                    LOG.warn("clone {}: the master's disk {} was not released after reading it: {}", request.getUserid(),
                            disk.getVaddr(), released.toString());
                }
            }
            if (changed) {
                return true;
            }
        }
        return false;
    }

    /** A refresh that found the master unchanged: every disk is reported as it is, nothing was touched. */
    private CompletableFuture<Outcome> unchanged(long bytesTotal, long startNanos, CompletableFuture<?> started) {
        List<CloneEvent> finals = new ArrayList<>();
        try {
            for (RequestVerifier.AdmittedDisk admitted : disks) {
                CloneDisk disk = admitted.disk();
                CheckpointStore.CheckpointedCopy recorded = tools.refresh().recorded(copyId(request.getBatchId(), disk),
                        disk.getSource().getByteLength(), options.chunkSize(), options.digest()).orElseThrow();
                DiskDigest digest = new DiskDigest(recorded.layout().digest());
                recorded.chunkDigests().values().forEach(digest::addChunk);
                metrics.diskCopied(0, disk.getSource().getByteLength());
                finals.add(event().setDiskCopied(DiskCopied.newBuilder().setVaddr(disk.getVaddr())
                        .setBytesTotal(disk.getSource().getByteLength()).setDigest(digest.finish())
                        .setDigestAlgorithm(recorded.layout().digest().id()).setBytesWritten(0)
                        .setBytesSkipped(disk.getSource().getByteLength()).setMethod(UNCHANGED)).build());
            }
        } catch (CopyException e) {
            return publishFinal(List.of(failed(disks.get(0).disk().getVaddr(), CopyException.NO_OFFSET,
                    "refresh: " + e.getMessage(), e.retryable())), started);
        }
        Duration wall = Duration.ofNanos(System.nanoTime() - startNanos);
        finals.add(event().setCloneCopied(CloneCopied.newBuilder().setBytesTotal(bytesTotal)
                .setWallMillis(wall.toMillis()).setWorkerId(workerId).setUnchanged(true)).build());
        LOG.info("clone {} attempt {}: refresh found master version {} unchanged; nothing written", request.getUserid(),
                request.getAttempt(), request.getMasterVersion());
        return publishFinal(finals, started);
    }

    /** Refreshes one disk of a clone whose master changed: forgets the chunks that differ, then the same copy. */
    private DiskResult refreshed(CloneDisk disk, String copyId, AttachedDisk source, AttachedDisk target)
            throws DiskFailure, Stopped {
        RefreshPlanner.Plan plan;
        try {
            plan = tools.refresh().prepare(copyId, disk.getSource(), source.region(), target.region(),
                    request.getMasterVersion(), options.chunkSize(), options.digest(), this::stopAsked);
        } catch (RefreshPlanner.Stopped e) {
            throw new Stopped();
        } catch (CopyException e) {
            throw new DiskFailure("refresh: " + e.getMessage(), CopyException.NO_OFFSET, e.retryable(), e);
        } catch (java.io.IOException e) {
            throw new DiskFailure("refresh: cannot read " + target.describe() + " or " + source.describe() + ": "
                    + e.getMessage(), CopyException.NO_OFFSET, true, e);
        }
        DiskResult copied = chunked(disk, copyId, source, target, "");
        return new DiskResult(disk, REFRESHED, copied.bytesTotal(), copied.bytesWritten(), copied.bytesSkipped(),
                copied.digest(), copied.digestAlgorithm(), copied.verified(), "",
                plan.usable() ? plan.rewrite().size() : plan.chunks());
    }

    private boolean stopAsked() {
        return stopRequested || cancellation.isCancelled();
    }

    private DiskResult chunked(CloneDisk disk, String copyId, AttachedDisk source, AttachedDisk target, String fallback)
            throws DiskFailure, Stopped {
        // the key makes the disks of clones of one master, copied here at once, one fan-out of the engine
        CopyPlan plan = new CopyPlan(source.region(), target.region(), options, copyId, sourceKey(disk));
        CopyResult result;
        try {
            result = tools.engine().copyAndWait(plan, progressPublisher(disk), cancellation);
        } catch (CopyException e) {
            String where = e.path() == null ? "" : " (" + e.path() + (e.offset() >= 0 ? " at byte " + e.offset() : "") + ")";
            throw new DiskFailure(e.kind() + ": " + e.getMessage() + where, e.offset(), e.retryable(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DiskFailure("interrupted while copying " + source.describe(), CopyException.NO_OFFSET, true, e);
        }
        if (result.outcome() == CopyOutcome.CANCELLED) {
            throw new Stopped();
        }
        // shared extents (reflink) are on the target without being written: skipped, as far as writes go
        long skipped = result.bytesSkippedCheckpoint() + result.bytesSkippedZero() + result.bytesSkippedCompare()
                + result.bytesShared();
        return new DiskResult(disk, result.bytesSkippedCheckpoint() > 0 ? RESUMED : CHUNKED, result.bytesTotal(),
                result.bytesWritten(), skipped, result.digest(), result.digestAlgorithm().id(), result.verified(),
                fallback);
    }

    private void stopIfAsked() throws Stopped {
        if (stopRequested || cancellation.isCancelled()) {
            throw new Stopped();
        }
    }

    private OptionalLong storageCopy(String copyId) throws DiskFailure {
        try {
            return tools.store().storageCopy(copyId);
        } catch (CopyException e) {
            throw new DiskFailure(e.getMessage(), CopyException.NO_OFFSET, e.retryable(), e);
        }
    }

    private boolean checkpointed(String copyId) throws DiskFailure {
        try {
            return tools.store().load(copyId).isPresent();
        } catch (CopyException e) {
            throw new DiskFailure(e.getMessage(), CopyException.NO_OFFSET, e.retryable(), e);
        }
    }

    private CompletableFuture<Outcome> finish(List<CompletableFuture<DiskResult>> results, long bytesTotal,
            long startNanos, CompletableFuture<?> started) {
        DiskFailure failure = null;
        String failedVaddr = null;
        Throwable unexpected = null;
        List<DiskResult> done = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            try {
                done.add(results.get(i).join());
            } catch (CompletionException e) {
                Throwable cause = e.getCause();
                String vaddr = disks.get(i).disk().getVaddr();
                if (cause instanceof DiskFailure diskFailure) {
                    if (failure == null) {
                        failure = diskFailure;
                        failedVaddr = vaddr;
                    }
                } else if (!(cause instanceof Stopped) && unexpected == null) {
                    unexpected = cause;
                    failedVaddr = failedVaddr == null ? vaddr : failedVaddr;
                }
            }
        }
        if (stopRequested) {
            metrics.cloneCancelled();
            LOG.info("clone {} attempt {}: copies stopped at a checkpoint", request.getUserid(), request.getAttempt());
            return CompletableFuture.completedFuture(Outcome.CANCELLED);
        }
        if (failure != null) {
            return publishFinal(List.of(failed(failedVaddr, failure.offset, failure.getMessage(), failure.retryable)),
                    started);
        }
        if (unexpected != null) {
            return publishFinal(List.of(failed(failedVaddr, CopyException.NO_OFFSET,
                    "unexpected error: " + unexpected, false)), started);
        }
        if (done.size() != disks.size()) {
            // only our own cancellation stops a disk, and only stopRequested or a failure cancels it
            throw new IllegalStateException("copy of " + request.getUserid() + " stopped without a stop request");
        }
        List<CloneEvent> finals = new ArrayList<>();
        long written = 0;
        for (DiskResult result : done) {
            written += result.bytesWritten();
            metrics.diskCopied(result.bytesWritten(), result.bytesSkipped());
            finals.add(event().setDiskCopied(DiskCopied.newBuilder()
                    .setVaddr(result.disk().getVaddr())
                    .setBytesTotal(result.bytesTotal())
                    .setDigest(result.digest())
                    .setDigestAlgorithm(result.digestAlgorithm())
                    .setBytesWritten(result.bytesWritten())
                    .setBytesSkipped(result.bytesSkipped())
                    .setVerified(result.verified())
                    .setMethod(result.method())
                    .setChunksRewritten(result.chunksRewritten())
                    .setFallbackReason(result.fallbackReason())).build());
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
            Files.createDirectories(tools.copyRateFile().getParent());
            Path temp = Files.createTempFile(tools.copyRateFile().getParent(), ".copy-rate", ".tmp");
            Files.writeString(temp, String.format(Locale.ROOT, "%.1f%n", mibPerSecond), StandardCharsets.US_ASCII);
            Files.move(temp, tools.copyRateFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("cannot record the copy rate in {}: {}", tools.copyRateFile(), e.toString());
        }
    }
}
