package org.clonefarm.worker.copy.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.clonefarm.worker.copy.CheckpointLayout;
import org.clonefarm.worker.copy.CheckpointStore;
import org.clonefarm.worker.copy.CopyCancellation;
import org.clonefarm.worker.copy.CopyException;
import org.clonefarm.worker.copy.CopyListener;
import org.clonefarm.worker.copy.CopyOptions;
import org.clonefarm.worker.copy.CopyOutcome;
import org.clonefarm.worker.copy.CopyPhases;
import org.clonefarm.worker.copy.CopyPlan;
import org.clonefarm.worker.copy.CopyProgress;
import org.clonefarm.worker.copy.CopyResult;
import org.clonefarm.worker.copy.DiskDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one disk copy to its end: the driver. It issues chunk tasks to the executor (at most
 * {@code maxInFlight} at a time), collects their outcomes, and closes checkpoint batches in the
 * mandatory durability order:
 *
 * <ol>
 *   <li>the chunk tasks write their bytes (or share the source's extents);</li>
 *   <li>once the batch of finished chunks holds {@code forceBytes} written bytes or is {@code forceInterval} old, the
 *       driver hands it to a commit task, which forces the target ({@code FileChannel.force}: fdatasync, or fsync
 *       once extents were shared)</li>
 *   <li>and then writes the batch's chunk digests to RocksDB in one synced write batch;</li>
 *   <li>only when that commit is back does the driver count the batch durable and report progress.</li>
 * </ol>
 *
 * One commit runs at a time, while chunks keep flowing into the next batch; when that batch is full
 * before the commit returns, no new chunk is issued. So at any instant the bytes written but not
 * checkpointed are at most two batches and the chunks in flight ({@link CopyOptions#crashBoundBytes()}).
 * Chunks that were skipped (zero, or equal by compare) or shared count for the time limit only: a crash
 * costs re-reading at most two intervals' worth of them, and no writes.
 * Without a checkpoint store there are no batches: the target is forced once at the end.
 *
 * <p>Checkpoints are used only when their layout matches this run's chunk size, length and chunk digest
 * algorithm; otherwise the copy starts over, so digests of two algorithms never meet. Each phase's CPU and
 * wall time goes to the run's {@link PhaseMeter} and into the result.
 *
 * <p>Thread confinement: everything here runs on the driver's thread except {@link ChunkCopier#copy}
 * and {@code commitBatch}, whose results come back through one queue. One instance per run; not reusable.
 */
public final class CopyRun {
    private static final Logger LOG = LoggerFactory.getLogger(CopyRun.class);
    private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long CANCEL_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final CopyPlan plan;
    private final CopyOptions options;
    private final String copyId;
    private final CheckpointStore store;
    private final Executor executor;
    private final CopyListener listener;
    private final CopyCancellation cancellation;
    private final AlignedBufferPool buffers;
    private final SharedScans scans;
    private final FanOutStart start;
    private boolean arrived;
    private final long startNanos = System.nanoTime();
    private final PhaseMeter meter = new PhaseMeter();

    private final BlockingQueue<Object> completions = new LinkedBlockingQueue<>();
    private final ArrayDeque<ChunkSlot> freeSlots = new ArrayDeque<>();
    private final List<ChunkSlot> allSlots = new ArrayList<>();

    private ResolvedPlan resolved;
    private byte[][] digests;
    private long bytesWritten;
    private long bytesShared;
    private long bytesSkippedCheckpoint;
    private long bytesSkippedZero;
    private long bytesSkippedCompare;
    private long bytesSourceHoles;
    private long bytesDurable;
    private long bytesSkippedDurable;
    private final TreeMap<Long, byte[]> batch = new TreeMap<>();
    private long batchBytes;
    private long batchSkipped;
    private long batchWritten;
    private long batchStartNanos;
    private boolean batchNeedsForce;
    private long lastProgressNanos = Long.MIN_VALUE / 2;

    /**
     * @param scans the engine's shared scans, which this run joins to read each source chunk once with the others
     * @param start the start line of the fan-out this run was started in together with others, or null
     */
    public CopyRun(CopyPlan plan, CheckpointStore store, Executor executor, CopyListener listener,
            CopyCancellation cancellation, AlignedBufferPool buffers, SharedScans scans, FanOutStart start) {
        this.plan = plan;
        this.options = plan.options();
        this.copyId = plan.effectiveCopyId();
        this.store = store;
        this.executor = executor;
        this.listener = listener;
        this.cancellation = cancellation;
        this.buffers = buffers;
        this.scans = scans;
        this.start = start;
    }

    /** Runs the copy on the calling thread (chunk I/O on the executor) and returns its result. */
    public CopyResult run() throws CopyException {
        try {
            return runCopy();
        } finally {
            arrive(); // a run that ends before its first chunk holds no one of its fan-out back
        }
    }

    private void arrive() {
        if (start != null && !arrived) {
            arrived = true;
            start.arrive();
        }
    }

    private CopyResult runCopy() throws CopyException {
        resolved = PlanResolver.resolve(plan);
        CheckpointLayout layout = new CheckpointLayout(options.chunkSize(), resolved.length(), resolved.zeroFromNow(),
                options.digest());
        Map<Long, byte[]> checkpointed = Map.of();
        if (store != null) {
            Optional<CheckpointStore.CheckpointedCopy> previous = store.load(copyId);
            boolean targetReplaced = resolved.targetKind() != ExtentProbe.Kind.BLOCK_DEVICE
                    && resolved.targetSizeNow() < resolved.targetOffset() + resolved.length();
            if (previous.isPresent() && targetReplaced) {
                // the first run extended the target to its full size before any checkpoint: a shorter or
                // missing target is not the one the checkpoints describe
                LOG.info("copy {}: target {} is missing or shorter than when it was checkpointed: starting over",
                        copyId, resolved.target());
                store.begin(copyId, layout);
            } else if (previous.isPresent() && previous.get().layout().bytesTotal() == resolved.length()) {
                // the first run's view of which target bytes read as zeros stays true: runs write only source bytes
                CheckpointLayout before = previous.get().layout();
                layout = new CheckpointLayout(options.chunkSize(), resolved.length(),
                        Math.min(before.zeroFrom(), resolved.zeroFromNow()), options.digest());
                if (layout.sameChunking(before)) {
                    checkpointed = previous.get().chunkDigests();
                } else {
                    // chunk digests of another size or algorithm are never mixed into this copy's digest
                    LOG.warn("copy {}: its checkpoints were made with {}-byte chunks and {} digests, this run uses"
                            + " {}-byte chunks and {} digests: starting over (run it with --chunk-mib {} --digest {}"
                            + " to continue from them instead)", copyId, before.chunkSize(), before.digest(),
                            options.chunkSize(), options.digest(), before.chunkSize() / CopyOptions.MIB, before.digest());
                    store.begin(copyId, layout);
                }
            } else if (previous.isPresent()) {
                store.begin(copyId, layout);
            } else {
                store.beginNew(copyId, layout); // durable with the first commit: nothing here to lose before it
            }
        }
        long chunkCount = layout.chunkCount();
        if (chunkCount > Integer.MAX_VALUE - 8) {
            throw CopyException.refused("copy of " + resolved.length() + " bytes in " + options.chunkSize()
                    + "-byte chunks has too many chunks; use a larger chunk size", resolved.source());
        }
        digests = new byte[(int) chunkCount][];
        ArrayDeque<Long> todo = new ArrayDeque<>();
        for (long i = 0; i < chunkCount; i++) {
            byte[] digest = checkpointed.get(i);
            if (digest != null) {
                digests[(int) i] = digest;
                bytesSkippedCheckpoint += Math.min(options.chunkSize(), resolved.length() - i * options.chunkSize());
            } else {
                todo.add(i);
            }
        }
        bytesDurable = bytesSkippedCheckpoint;
        bytesSkippedDurable = bytesSkippedCheckpoint;

        boolean cancelled = false;
        long sourceBytesRead = 0;
        if (!todo.isEmpty() || options.verify()) {
            // the size of a target extended here is made durable by the first force (fdatasync persists a file's
            // size), which comes before the first checkpoint: a batch of zero chunks alone is forced too
            batchNeedsForce = prepareTarget();
            boolean twoFiles = resolved.sourceKind() == ExtentProbe.Kind.REGULAR_FILE
                    && resolved.targetKind() != ExtentProbe.Kind.BLOCK_DEVICE;
            try (ExtentChannels channels = ExtentChannels.open(resolved.source(), resolved.target(),
                    options.ioMode() == CopyOptions.IoMode.DIRECT,
                    options.ioMode() == CopyOptions.IoMode.DIRECT || options.ioMode() == CopyOptions.IoMode.DIRECT_WRITE,
                    resolved.sourceKind() == ExtentProbe.Kind.REGULAR_FILE,
                    resolved.targetKind() != ExtentProbe.Kind.BLOCK_DEVICE,
                    twoFiles && (options.reflink() || options.ioMode() == CopyOptions.IoMode.TRANSFER_TO),
                    options.reflink())) {
                SharedScan.Participant scan = todo.isEmpty() ? null : joinScan(todo);
                if (scan != null && start != null) {
                    arrive();
                    start.awaitOthers(); // every copy of the fan-out is in the scan before the first chunk is read
                }
                ChunkCopier copier = new ChunkCopier(resolved, options, layout.zeroFrom(), channels, executor, buffers,
                        meter, scan);
                try {
                    if (!todo.isEmpty()) {
                        allocateAhead(channels, layout.zeroFrom());
                        cancelled = copyChunks(todo, copier, channels);
                    }
                } finally {
                    sourceBytesRead = copier.sourceBytesRead();
                    if (scan != null) {
                        scan.leave();
                    }
                }
                if (!cancelled && options.verify()) {
                    verify(copier);
                }
            } catch (IOException e) {
                throw IoFailures.of(e, "open or close", resolved.target(), resolved.targetOffset());
            } finally {
                closeSlots();
            }
        }
        report(true);
        String digest = null;
        if (!cancelled) {
            DiskDigest disk = new DiskDigest(layout.digest());
            for (byte[] chunk : digests) {
                disk.addChunk(chunk);
            }
            digest = disk.finish();
        }
        return new CopyResult(copyId, cancelled ? CopyOutcome.CANCELLED : CopyOutcome.COMPLETED, resolved.length(),
                bytesWritten, bytesShared, bytesSkippedCheckpoint, bytesSkippedZero, bytesSkippedCompare,
                bytesSourceHoles, Duration.ofNanos(System.nanoTime() - startNanos), options.chunkSize(), digest,
                layout.digest(), !cancelled && options.verify(), meter.snapshot(), sourceBytesRead);
    }

    /**
     * Joins the engine's scan of this source (a fan-out when other copies of it run) and puts {@code todo} in the
     * order that shares the most: from the chunk the scan holds first, then the chunks before it.
     */
    private SharedScan.Participant joinScan(ArrayDeque<Long> todo) {
        if (scans == null) {
            return null;
        }
        SharedScan.Key key = new SharedScan.Key(plan.effectiveSourceKey(), resolved.length(), options.chunkSize(),
                options.digest(), options.ioMode() == CopyOptions.IoMode.DIRECT);
        SharedScan.Participant scan = scans.join(key, options, todo);
        long start = scan.startIndex();
        if (start > 0) {
            ArrayDeque<Long> before = new ArrayDeque<>();
            while (!todo.isEmpty() && todo.peekFirst() < start) {
                before.add(todo.pollFirst());
            }
            todo.addAll(before);
            LOG.debug("copy {}: joins a running scan of its source at chunk {}", copyId, start);
        }
        return scan;
    }

    /**
     * Creates a missing target file and extends a short one (sparse). Not forced here: the caller's first
     * force makes the new size durable before any checkpoint claims a chunk of it (a crash before that
     * leaves a shorter target, which a rerun sees and starts over for).
     *
     * @return whether the file was created or extended
     */
    private boolean prepareTarget() throws CopyException {
        if (resolved.targetKind() == ExtentProbe.Kind.BLOCK_DEVICE) {
            return false;
        }
        try (FileChannel target = FileChannel.open(resolved.target(), StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
            long end = resolved.targetOffset() + resolved.length();
            if (target.size() < end) {
                // a sparse extension: the new bytes read as zeros, so zero chunks there need no write
                try (var file = new java.io.RandomAccessFile(resolved.target().toFile(), "rw")) {
                    file.setLength(end);
                }
                return true;
            }
            return false;
        } catch (IOException e) {
            throw IoFailures.of(e, "open or extend", resolved.target(), resolved.targetOffset());
        }
    }

    /**
     * Allocates the part of the target that reads as zeros where the source has data, before any chunk is written
     * (see {@link TargetPreallocation}: an allocation while direct writes are in flight waits for them all).
     */
    private void allocateAhead(ExtentChannels channels, long zeroFrom) throws CopyException {
        if (zeroFrom >= resolved.length()) {
            return;
        }
        long[] clock = meter.start();
        try {
            channels.allocateTargetAhead(resolved.sourceOffset() + zeroFrom, resolved.targetOffset() + zeroFrom,
                    resolved.length() - zeroFrom);
        } catch (IOException e) {
            throw IoFailures.of(e, "allocate", resolved.target(), resolved.targetOffset() + zeroFrom);
        }
        meter.stop(CopyPhases.Phase.WRITE, clock);
    }

    /** The chunk loop; returns whether it stopped because of cancellation. */
    private boolean copyChunks(ArrayDeque<Long> todo, ChunkCopier copier, ExtentChannels target) throws CopyException {
        int inFlight = 0;
        boolean committing = false;
        boolean commitFailed = false;
        CopyException failure = null;
        boolean cancelled = false;
        while (true) {
            if (!cancelled && cancellation.isCancelled()) {
                cancelled = true;
            }
            // backpressure: while one batch commits, the next may fill up, but no further
            boolean full = committing && batchWritten >= options.forceBytes();
            while (failure == null && !cancelled && !full && inFlight < options.maxInFlight() && !todo.isEmpty()) {
                submit(todo.poll(), copier);
                inFlight++;
            }
            if (inFlight == 0 && !committing) {
                break;
            }
            Object done;
            try {
                done = nextResult(committing ? CANCEL_POLL_NANOS : pollNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                cancellation.cancel();
                continue;
            }
            if (done instanceof ChunkOutcome outcome) {
                inFlight--;
                record(outcome);
            } else if (done instanceof Committed committed) {
                committing = false;
                if (committed.failure() != null) {
                    commitFailed = true;
                    failure = addFailure(failure, committed.failure());
                } else {
                    applyDurable(committed.batch());
                }
            } else if (done instanceof CopyException error) {
                inFlight--;
                failure = addFailure(failure, error);
            }
            if (failure == null && store != null && !committing && batchDue()) {
                PendingBatch pending = takeBatch();
                executor.execute(() -> completions.add(new Completion(null, commitBatch(pending, target))));
                committing = true;
            }
        }
        // stop: what was written is made durable and checkpointed, even when the copy failed; but never
        // after a failed force: Linux may report a lost write only once, so a second force proves nothing
        try {
            if (commitFailed) {
                LOG.warn("copy {}: a checkpoint commit failed; the chunks written since are not checkpointed", copyId);
            } else if (store == null) {
                long[] clock = meter.start();
                target.forceTarget();
                meter.stop(CopyPhases.Phase.FORCE, clock);
            } else if (!batch.isEmpty()) {
                Committed last = commitBatch(takeBatch(), target);
                if (last.failure() != null) {
                    throw last.failure();
                }
                applyDurable(last.batch());
            }
        } catch (CopyException | IOException e) {
            if (failure == null) {
                throw e instanceof CopyException c ? c : IoFailures.of((IOException) e, "force", resolved.target(), 0);
            }
            failure.addSuppressed(e);
        }
        if (failure != null) {
            throw failure;
        }
        return cancelled;
    }

    private static CopyException addFailure(CopyException first, CopyException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    private void submit(long index, ChunkCopier copier) {
        ChunkSlot slot = freeSlots.isEmpty() ? newSlot() : freeSlots.poll();
        executor.execute(() -> {
            Object result;
            try {
                result = copier.copy(index, slot);
            } catch (CopyException e) {
                result = e;
            } catch (RuntimeException | Error e) {
                result = new CopyException(CopyException.Kind.IO, false, "unexpected failure copying chunk " + index
                        + " of " + resolved.source() + ": " + e, resolved.source(),
                        resolved.sourceOffset() + copier.chunkOffset(index), e);
            }
            completions.add(new Completion(slot, result));
        });
    }

    /** A chunk task's result with the slot it no longer uses (none for a commit). */
    private record Completion(ChunkSlot slot, Object result) {
    }

    /** Takes the next completion, returning its slot to the free list; null on timeout. */
    private Object nextResult(long nanos) throws InterruptedException {
        Completion completion = (Completion) completions.poll(nanos, TimeUnit.NANOSECONDS);
        if (completion == null) {
            return null;
        }
        if (completion.slot() != null) {
            freeSlots.add(completion.slot());
        }
        return completion.result();
    }

    private ChunkSlot newSlot() {
        ChunkSlot slot = new ChunkSlot(options.chunkSize(), buffers);
        allSlots.add(slot);
        return slot;
    }

    private long pollNanos() {
        if (store == null || batch.isEmpty()) {
            return CANCEL_POLL_NANOS;
        }
        long due = batchStartNanos + options.forceInterval().toNanos() - System.nanoTime();
        return Math.max(0, Math.min(due, CANCEL_POLL_NANOS));
    }

    private void record(ChunkOutcome outcome) {
        digests[(int) outcome.index()] = outcome.digest();
        bytesSourceHoles += outcome.bytesHole();
        switch (outcome.disposition()) {
            case WRITTEN -> {
                bytesWritten += outcome.bytesWritten();
                bytesSkippedZero += outcome.length() - outcome.bytesWritten();
                batchNeedsForce = true;
            }
            case ZERO -> bytesSkippedZero += outcome.length();
            case SAME -> {
                bytesSkippedCompare += outcome.length();
                batchNeedsForce = true; // the bytes found may be a crashed run's, still only in the page cache
            }
            case SHARED -> {
                bytesShared += outcome.length();
                batchNeedsForce = true; // the shared extents are metadata, durable once forced
            }
            default -> throw new IllegalStateException("unknown disposition " + outcome.disposition());
        }
        if (batch.isEmpty()) {
            batchStartNanos = System.nanoTime();
        }
        long skipped = outcome.disposition() == ChunkOutcome.Disposition.SHARED ? 0
                : outcome.length() - outcome.bytesWritten();
        if (store == null) {
            // no checkpoints: progress counts what is written, durable only at the end
            bytesDurable += outcome.length();
            bytesSkippedDurable += skipped;
            report(false);
            return;
        }
        batch.put(outcome.index(), outcome.digest());
        batchBytes += outcome.length();
        batchSkipped += skipped;
        batchWritten += outcome.bytesWritten();
    }

    private boolean batchDue() {
        return !batch.isEmpty() && (batchWritten >= options.forceBytes()
                || System.nanoTime() - batchStartNanos >= options.forceInterval().toNanos());
    }

    /** Chunks written but not yet checkpointed, handed from the driver to a commit. */
    private record PendingBatch(Map<Long, byte[]> digests, long bytes, long skipped, boolean needsForce) {
    }

    /** A finished commit: its batch is durable, unless it failed. */
    private record Committed(PendingBatch batch, CopyException failure) {
    }

    private PendingBatch takeBatch() {
        PendingBatch pending = new PendingBatch(new TreeMap<>(batch), batchBytes, batchSkipped, batchNeedsForce);
        batch.clear();
        batchBytes = 0;
        batchSkipped = 0;
        batchWritten = 0;
        batchNeedsForce = false;
        return pending;
    }

    /**
     * The durability order: force the target, then the synced checkpoint batch. Every chunk of the batch
     * finished its write before the batch was taken, so the force covers it. Runs on any thread; touches
     * only the channels and the store, both thread-safe.
     */
    private Committed commitBatch(PendingBatch pending, ExtentChannels target) {
        try {
            long start = System.nanoTime();
            long[] clock = meter.start();
            if (pending.needsForce()) {
                target.forceTarget();
            }
            clock = meter.stop(CopyPhases.Phase.FORCE, clock);
            store.commit(copyId, pending.digests());
            meter.stop(CopyPhases.Phase.CHECKPOINT, clock);
            try {
                listener.onCheckpointCommitted(System.nanoTime() - start, pending.digests().size());
            } catch (RuntimeException e) {
                LOG.warn("checkpoint listener of {} failed: {}", copyId, e.toString());
            }
            return new Committed(pending, null);
        } catch (IOException e) {
            return new Committed(pending, IoFailures.of(e, "force", resolved.target(), resolved.targetOffset()));
        } catch (CopyException e) {
            return new Committed(pending, e);
        } catch (RuntimeException e) {
            return new Committed(pending, new CopyException(CopyException.Kind.CHECKPOINT, false,
                    "unexpected failure committing checkpoints of " + copyId + ": " + e, resolved.target(),
                    CopyException.NO_OFFSET, e));
        }
    }

    /** On the driver thread, after a commit: count the batch as durable, then report progress. */
    private void applyDurable(PendingBatch committed) {
        bytesDurable += committed.bytes();
        bytesSkippedDurable += committed.skipped();
        report(false);
    }

    private void verify(ChunkCopier copier) throws CopyException {
        List<Long> mismatches = new ArrayList<>();
        int chunks = digests.length;
        int next = 0;
        int inFlight = 0;
        CopyException failure = null;
        while (next < chunks || inFlight > 0) {
            while (failure == null && inFlight < options.maxInFlight() && next < chunks) {
                long index = next++;
                ChunkSlot slot = freeSlots.isEmpty() ? newSlot() : freeSlots.poll();
                executor.execute(() -> {
                    Object result;
                    try {
                        result = new Verified(index, Arrays.equals(copier.targetDigest(index, slot), digests[(int) index]));
                    } catch (CopyException e) {
                        result = e;
                    } catch (RuntimeException | Error e) {
                        result = new CopyException(CopyException.Kind.IO, false, "unexpected failure verifying chunk "
                                + index + ": " + e, resolved.target(), CopyException.NO_OFFSET, e);
                    }
                    completions.add(new Completion(slot, result));
                });
                inFlight++;
            }
            if (inFlight == 0) {
                break;
            }
            Object done;
            try {
                done = nextResult(CANCEL_POLL_NANOS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CopyException(CopyException.Kind.IO, "interrupted while verifying " + resolved.target(),
                        resolved.target(), CopyException.NO_OFFSET, e);
            }
            if (done instanceof Verified verified) {
                inFlight--;
                if (!verified.equal()) {
                    mismatches.add(verified.index());
                }
            } else if (done instanceof CopyException error) {
                inFlight--;
                if (failure == null) {
                    failure = error;
                } else {
                    failure.addSuppressed(error);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        if (!mismatches.isEmpty()) {
            mismatches.sort(null);
            if (store != null) {
                store.forget(copyId, mismatches);
            }
            long first = resolved.targetOffset() + mismatches.get(0) * options.chunkSize();
            throw new CopyException(CopyException.Kind.VERIFY_MISMATCH, mismatches.size() + " chunk(s) of target "
                    + resolved.target() + " differ from the source, the first at offset " + first
                    + "; their checkpoints were dropped, so running the copy again rewrites them",
                    resolved.target(), first, null);
        }
    }

    private record Verified(long index, boolean equal) {
    }

    private void report(boolean last) {
        long now = System.nanoTime();
        if (!last && now - lastProgressNanos < PROGRESS_INTERVAL_NANOS) {
            return;
        }
        lastProgressNanos = now;
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        try {
            listener.onProgress(new CopyProgress(copyId, bytesDurable, skippedDurable(), resolved.length(),
                    bytesDurable / seconds));
        } catch (RuntimeException e) {
            LOG.warn("copy {}: progress listener failed; the copy goes on", copyId, e);
        }
    }

    private long skippedDurable() {
        return Math.min(bytesSkippedDurable, bytesDurable);
    }

    /**
     * Closes every slot's channels and gives the buffers of the slots on the free list back to the
     * pool. A slot not on the free list may still be in a chunk task (a run that ended by an unexpected
     * exception); its buffers are left to the collector, never reused.
     */
    private void closeSlots() {
        for (ChunkSlot slot : allSlots) {
            try {
                slot.close();
            } catch (IOException e) {
                LOG.warn("copy {}: cannot close a transfer channel", copyId, e);
            }
        }
        for (ChunkSlot idle : freeSlots) {
            idle.giveBackBuffers();
        }
        freeSlots.clear();
        allSlots.clear();
    }
}
