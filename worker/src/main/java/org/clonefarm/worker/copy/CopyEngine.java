package org.clonefarm.worker.copy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.clonefarm.worker.copy.internal.AlignedBufferPool;
import org.clonefarm.worker.copy.internal.CopyRun;
import org.clonefarm.worker.copy.internal.FanOutStart;
import org.clonefarm.worker.copy.internal.FirstCopyWarmup;
import org.clonefarm.worker.copy.internal.SharedScans;

/**
 * Copies disks: many at once, each chunked, parallel, checkpointed and resumable.
 *
 * <p>Each {@link #copy} runs a driver (on a thread of the engine's executor) that issues chunk tasks
 * (on the same executor, at most {@link CopyOptions#maxInFlight()} per copy, each with a write task of
 * its own that runs while the chunk task hashes) and one checkpoint commit at a time, so the executor
 * must not be bounded below {@code copies x (2 + 2 x maxInFlight)} threads; the engine's own executor
 * is an unbounded pool of daemon threads. Concurrent copies share the {@link CheckpointStore}; two copies with
 * the same copy id at the same time are the caller's error.
 *
 * <p>Fan-out: copies that run at the same time with the same {@linkplain CopyPlan#effectiveSourceKey source key}
 * (and length, chunk size and digest) read each source chunk once for all of them and hash it once; each writes it
 * to its own target, with its own checkpoints, and fails alone. Start them together ({@link #copyAll}) or one by
 * one: a copy that starts while others run joins them where they are and copies the chunks before that at the end.
 *
 * <p>Durability (see {@code docs/copy-engine.md}): chunk bytes are forced to the target before the
 * synced checkpoint that claims them, and progress is reported only after that checkpoint. Without a
 * store the target is forced once, at the end, and a killed copy starts over.
 *
 * <p>Thread-safe. {@link #close()} shuts the engine's own executor down (not one given to it) without
 * waiting: cancel running copies first.
 */
public final class CopyEngine implements AutoCloseable {
    private final CheckpointStore store;
    private final ExecutorService executor;
    private final boolean ownsExecutor;
    /** Chunk buffers shared by this engine's copies, one after another (see {@link AlignedBufferPool}). */
    private final AlignedBufferPool buffers = new AlignedBufferPool(AlignedBufferPool.DEFAULT_RETAIN_BYTES);
    /** The sources being copied now, each read once for all its copies (fan-out). */
    private final SharedScans scans = new SharedScans(buffers);

    /**
     * An engine with its own threads.
     *
     * @param store where checkpoints go, or {@code null} for copies without checkpoints (no resume)
     */
    public CopyEngine(CheckpointStore store) {
        this(store, Executors.newCachedThreadPool(new CopyThreads()), true);
    }

    /** An engine on the caller's executor, which must be unbounded (see the class comment). */
    public CopyEngine(CheckpointStore store, ExecutorService executor) {
        this(store, Objects.requireNonNull(executor, "executor"), false);
    }

    private CopyEngine(CheckpointStore store, ExecutorService executor, boolean ownsExecutor) {
        warmUp();
        this.store = store;
        this.executor = executor;
        this.ownsExecutor = ownsExecutor;
    }

    /**
     * Starts, once per JVM and on a background thread, the one-off work of a first copy with the default
     * digest ({@link #warmUp(DiskDigest.Algorithm)}). Every engine calls it. Returns at once.
     */
    public static void warmUp() {
        warmUp(CopyOptions.DEFAULT_DIGEST);
    }

    /**
     * Starts, once per JVM and on a background thread, the one-off work of a first copy with chunk digests
     * of {@code digest} (binding {@code lseek(SEEK_DATA)}; for SHA-256, compiling it), so that it overlaps
     * with the caller's own start-up. Optional: a process that copies once may call it before its other
     * set-up (opening the checkpoint store) to save up to a few hundred milliseconds; every copy calls it
     * for its own digest. Returns at once.
     */
    public static void warmUp(DiskDigest.Algorithm digest) {
        FirstCopyWarmup.start(digest);
    }

    /**
     * Starts a copy. The future completes with the result ({@link CopyOutcome#COMPLETED} or, after
     * {@code cancellation}, {@link CopyOutcome#CANCELLED}) or fails with a {@link CopyException}.
     * Cancelling the future itself does not stop the copy: use {@code cancellation}.
     */
    public CompletableFuture<CopyResult> copy(CopyPlan plan, CopyListener listener, CopyCancellation cancellation) {
        return copy(plan, listener, cancellation, null);
    }

    private CompletableFuture<CopyResult> copy(CopyPlan plan, CopyListener listener, CopyCancellation cancellation,
            FanOutStart start) {
        Objects.requireNonNull(plan, "plan");
        warmUp(plan.options().digest());
        CopyRun run = new CopyRun(plan, store, executor, listener == null ? CopyListener.NONE : listener,
                cancellation == null ? CopyCancellation.none() : cancellation, buffers, scans, start);
        CompletableFuture<CopyResult> result = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                result.complete(run.run());
            } catch (CopyException | RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /**
     * Starts copies of one source to several targets at once (a fan-out): each source chunk is read and hashed once
     * for all of them. No copy reads a chunk before every copy has joined (resolved its plan and loaded its
     * checkpoints), so none misses chunks the others read before it came. Each future is that copy's own, exactly as {@link #copy} would give it: a target that fails
     * (full, an I/O error) fails its future alone, the others go on; each is cancelled by its own cancellation.
     * Plans with another source key are copied all the same, each sharing with its own kind.
     *
     * @param copies the copies; no two may have the same copy id
     * @return one future per copy, in the same order
     */
    public List<CompletableFuture<CopyResult>> copyAll(List<FanOutCopy> copies) {
        Set<String> ids = new HashSet<>();
        for (FanOutCopy copy : copies) {
            if (!ids.add(copy.plan().effectiveCopyId())) {
                throw new IllegalArgumentException("two copies of the fan-out have the copy id "
                        + copy.plan().effectiveCopyId() + " (the same target?)");
            }
        }
        List<CompletableFuture<CopyResult>> results = new ArrayList<>();
        FanOutStart start = new FanOutStart(copies.size());
        for (FanOutCopy copy : copies) {
            results.add(copy(copy.plan(), copy.listener(), copy.cancellation(), start));
        }
        return results;
    }

    /**
     * One copy of a fan-out ({@link #copyAll}).
     *
     * @param plan the copy
     * @param listener its progress, or null
     * @param cancellation stops this copy alone, or null
     */
    public record FanOutCopy(CopyPlan plan, CopyListener listener, CopyCancellation cancellation) {
        public FanOutCopy {
            Objects.requireNonNull(plan, "plan");
        }
    }

    /** Runs a copy and waits for it; the typed failure is thrown as it is. */
    public CopyResult copyAndWait(CopyPlan plan, CopyListener listener, CopyCancellation cancellation)
            throws CopyException, InterruptedException {
        try {
            return copy(plan, listener, cancellation).get();
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CopyException copy) {
                throw copy;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("copy failed", cause);
        }
    }

    @Override
    public void close() {
        if (ownsExecutor) {
            executor.shutdown();
        }
    }

    private static final class CopyThreads implements ThreadFactory {
        private static final AtomicInteger ENGINES = new AtomicInteger();
        private final int engine = ENGINES.incrementAndGet();
        private final AtomicInteger threads = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "copy-engine-" + engine + "-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }
}
