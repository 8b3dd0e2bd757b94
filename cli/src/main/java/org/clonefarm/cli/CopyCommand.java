package org.clonefarm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.worker.copy.CheckpointStore;
import org.clonefarm.worker.copy.CopyCancellation;
import org.clonefarm.worker.copy.CopyEngine;
import org.clonefarm.worker.copy.CopyException;
import org.clonefarm.worker.copy.CopyPhases;
import org.clonefarm.worker.copy.CopyPlan;
import org.clonefarm.worker.copy.CopyProgress;
import org.clonefarm.worker.copy.CopyResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code clonefarm copy}: one disk copy with the worker's copy engine, resumable after a kill by
 * running the same command again. Prints a progress bar on a terminal and, as its last line on
 * standard output, one JSON object with the counts and the disk digest. With several targets it is a
 * fan-out: all are copied at once, the source read once for all of them, one JSON line per target.
 */
@Command(name = "copy", mixinStandardHelpOptions = true,
        description = {
            "Copies a disk extent (file, volume image extent or block device) in parallel chunks, checkpointing "
                    + "every durable chunk, so running the same command again after a kill or a failure resumes.",
            "SRC is PATH[:OFFSET[:LENGTH]] and DST is PATH[:OFFSET], offsets and lengths in bytes. The last line "
                    + "printed is a JSON object: copy_id, bytes_total, bytes_written, bytes_skipped_checkpoint, "
                    + "bytes_skipped_zero, bytes_skipped_compare, wall_s, mib_per_s, digest, chunk_size, verified, "
                    + "outcome, bytes_source_holes, bytes_shared, digest_algorithm, cpu_s, phase_cpu_s, phase_wall_s, "
                    + "target, bytes_read_source (see docs/copy-engine.md). Exit code 0 when copied, 1 when refused or "
                    + "failed, 2 for bad usage.",
            "Several DSTs make a fan-out: every target is copied at once and each source chunk is read once for "
                    + "all of them; each target has its own checkpoints (rerun the same command to resume each where it "
                    + "stopped), a target that fails (full, an I/O error) does not stop the others, and one JSON line "
                    + "is printed per copied target, in the order given."
        })
public final class CopyCommand implements Runnable {

    @Parameters(index = "0", paramLabel = "SRC", description = "Source: PATH[:OFFSET[:LENGTH]]; opened read-only.")
    String source;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "DST",
            description = "Target: PATH[:OFFSET]; a missing file is created sparse. Never overlapping SRC. Several: a "
                    + "fan-out (each source chunk read once for all).")
    List<String> targets;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR",
            description = "RocksDB checkpoint directory (default: $CLONEFARM_HOME/checkpoints, or ~/.clonefarm/checkpoints).")
    Path checkpointDir;

    @Option(names = "--no-checkpoint",
            description = "Copy without checkpoints: nothing is recorded and a killed copy starts over (benchmarks).")
    boolean noCheckpoint;

    @Option(names = "--copy-id", paramLabel = "ID",
            description = "Checkpoint key of this copy (default: derived from SRC, DST, offsets and length); one DST only.")
    String copyId;

    @Mixin
    CopyTuningOptions tuning;

    @Option(names = "--target-zeroed",
            description = "Vouch that the target extent reads as zeros (a fresh volume), so zero chunks are not written.")
    boolean targetZeroed;

    @Option(names = "--resume-by-compare",
            description = "Hash target chunks no checkpoint covers and skip those equal to the source (a copy moved"
                    + " to another machine): costs reads, not writes.")
    boolean resumeByCompare;

    @Option(names = "--progress", paramLabel = "WHEN",
            description = "Progress bar on standard error: AUTO (on a terminal; default), ALWAYS or NEVER.")
    ProgressMode progress = ProgressMode.AUTO;

    enum ProgressMode { AUTO, ALWAYS, NEVER }

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        List<CopyPlan> plans = plans();
        CopyEngine.warmUp(plans.get(0).options().digest()); // overlaps the engine's one-off start-up with opening RocksDB
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean bar = progress == ProgressMode.ALWAYS || (progress == ProgressMode.AUTO && System.console() != null);
        ProgressBar progressBar = new ProgressBar(err, bar, plans.size());
        List<Boolean> targetIsNew = new ArrayList<>();
        List<CopyEngine.FanOutCopy> copies = new ArrayList<>();
        CopyCancellation cancellation = new CopyCancellation(); // one for all: SIGINT stops every target
        for (int i = 0; i < plans.size(); i++) {
            targetIsNew.add(!Files.exists(plans.get(i).target().path(), LinkOption.NOFOLLOW_LINKS));
            int target = i;
            copies.add(new CopyEngine.FanOutCopy(plans.get(i), p -> progressBar.show(target, p), cancellation));
        }
        try (CheckpointStore store = noCheckpoint ? null : openStore(); CopyEngine engine = new CopyEngine(store)) {
            List<CompletableFuture<CopyResult>> running = engine.copyAll(copies);
            CompletableFuture<Void> all = CompletableFuture.allOf(running.stream()
                    .map(f -> f.handle((r, e) -> null)).toArray(CompletableFuture[]::new));
            Thread onInterrupt = new Thread(() -> stopAndCheckpoint(cancellation, all), "copy-interrupt");
            Runtime.getRuntime().addShutdownHook(onInterrupt);
            List<UserError> failures = new ArrayList<>();
            try {
                all.get();
                for (int i = 0; i < plans.size(); i++) {
                    try {
                        CopyResult result = running.get(i).get();
                        out.println(json(result, plans.get(i).target().path()));
                        out.flush();
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof CopyException copyFailure) {
                            failures.add(userError(copyFailure,
                                    targetIsNew.get(i) ? removeNewTarget(plans.get(i), store) : null));
                        } else {
                            throw new IllegalStateException("the copy failed unexpectedly", e.getCause());
                        }
                    }
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("the copy failed unexpectedly", e.getCause());
            } finally {
                removeHook(onInterrupt);
                progressBar.end();
            }
            if (failures.size() == 1 && plans.size() == 1) {
                throw failures.get(0);
            }
            if (!failures.isEmpty()) {
                StringBuilder message = new StringBuilder(failures.size() + " of " + plans.size()
                        + " targets failed (the others are copied):");
                for (UserError failure : failures) {
                    message.append(System.lineSeparator()).append("  ").append(failure.getMessage());
                }
                throw new UserError(message.toString(), failures.get(0).getCause());
            }
        } catch (CopyException e) {
            throw userError(e, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted; run the same command again to resume.");
        }
    }

    /**
     * After a failed copy that created its target file: removes the file unless chunks of it are
     * checkpointed (a rerun resumes from those, so they must stay where the checkpoint says). A file
     * that existed before the copy, or a block device, is never touched.
     *
     * @return what was done, for the message: "removed", "kept" (checkpointed chunks), or null when
     *     there was nothing to remove
     */
    private static String removeNewTarget(CopyPlan plan, CheckpointStore store) {
        Path target = plan.target().path();
        if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        try {
            if (store != null) {
                var checkpointed = store.load(plan.effectiveCopyId());
                if (checkpointed.isPresent() && !checkpointed.get().chunkDigests().isEmpty()) {
                    return "kept";
                }
                store.delete(plan.effectiveCopyId());
            }
            Files.deleteIfExists(target);
            return "removed";
        } catch (CopyException | IOException e) {
            return null;
        }
    }

    private List<CopyPlan> plans() {
        if (copyId != null && targets.size() > 1) {
            throw UserError.usage("--copy-id names one copy; with " + targets.size() + " targets each gets its own"
                    + " derived copy id: leave --copy-id out.");
        }
        FileRegion src = region(source, "SRC");
        List<CopyPlan> plans = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        for (String target : targets) {
            FileRegion dst = region(target, "DST");
            if (!seen.add(dst.path().toAbsolutePath().normalize())) {
                throw UserError.usage("DST " + dst.path() + " is given twice; each target is copied once.");
            }
            try {
                plans.add(new CopyPlan(src, dst, tuning.options().withTargetZeroed(targetZeroed)
                        .withResumeByCompare(resumeByCompare), copyId));
            } catch (IllegalArgumentException e) {
                throw UserError.usage(e.getMessage() + ".");
            }
        }
        return plans;
    }

    /**
     * The region of SRC or DST. Besides {@link FileRegion#parse}'s rules: text after the last colon
     * that is no number is an offset written wrong, not part of a file name, unless a file of that
     * whole name exists (a name with a colon is otherwise written with its offset, {@code a:b:0}).
     */
    private static FileRegion region(String text, String what) {
        FileRegion region;
        try {
            region = FileRegion.parse(text);
        } catch (IllegalArgumentException e) {
            throw UserError.usage(what + ": " + e.getMessage() + ".");
        }
        int colon = text.lastIndexOf(':');
        if (colon > 0 && region.equals(FileRegion.whole(Path.of(text)))
                && !Files.exists(region.path(), LinkOption.NOFOLLOW_LINKS)) {
            throw UserError.usage(what + ": '" + text.substring(colon + 1) + "' in '" + text + "' is not an offset in"
                    + " bytes and no file has that whole name; write " + text + ":0 if the name really holds a colon.");
        }
        return region;
    }

    private CheckpointStore openStore() throws CopyException {
        Path dir = checkpointDir;
        if (dir == null) {
            String home = System.getenv("CLONEFARM_HOME");
            dir = home != null ? Path.of(home, "checkpoints") : Path.of(System.getProperty("user.home"), ".clonefarm", "checkpoints");
        }
        return CheckpointStore.open(dir);
    }

    private static void stopAndCheckpoint(CopyCancellation cancellation, CompletableFuture<?> copy) {
        cancellation.cancel();
        try {
            copy.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the main thread reports the failure; here we only wait for the last checkpoint
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook is running and waits for the checkpoint
        }
    }

    /** @param newTarget what became of a target this run created: "removed", "kept" or null (see removeNewTarget) */
    private static UserError userError(CopyException e, String newTarget) {
        String hint = switch (e.kind()) {
            case REFUSED -> " Nothing was written.";
            case TARGET_FULL -> " Durable chunks are checkpointed: free space and run the same command again.";
            case VERIFY_MISMATCH -> " Run the same command again to rewrite those chunks.";
            default -> e.retryable() ? " Durable chunks are checkpointed: run the same command again to continue." : "";
        };
        if ("removed".equals(newTarget)) {
            hint = " The target file this copy created was removed, as no chunk of it was checkpointed; run the same"
                    + " command again once the cause is fixed.";
        }
        return new UserError("copy " + e.kind().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": "
                + e.getMessage() + "." + hint, e);
    }

    /** The result line of the copy to {@code target}: one JSON object, the keys in the documented order. */
    static String json(CopyResult r, Path target) {
        double wall = r.wall().toNanos() / 1e9;
        return "{\"copy_id\":" + quote(r.copyId())
                + ",\"bytes_total\":" + r.bytesTotal()
                + ",\"bytes_written\":" + r.bytesWritten()
                + ",\"bytes_skipped_checkpoint\":" + r.bytesSkippedCheckpoint()
                + ",\"bytes_skipped_zero\":" + r.bytesSkippedZero()
                + ",\"bytes_skipped_compare\":" + r.bytesSkippedCompare()
                + ",\"wall_s\":" + String.format(Locale.ROOT, "%.3f", wall)
                + ",\"mib_per_s\":" + String.format(Locale.ROOT, "%.1f", r.mibPerSecond())
                + ",\"digest\":" + (r.digest() == null ? "null" : quote(r.digest()))
                + ",\"chunk_size\":" + r.chunkSize()
                + ",\"verified\":" + r.verified()
                + ",\"outcome\":" + quote(r.outcome().name().toLowerCase(Locale.ROOT))
                + ",\"bytes_source_holes\":" + r.bytesSourceHoles()
                + ",\"bytes_shared\":" + r.bytesShared()
                + ",\"digest_algorithm\":" + quote(r.digestAlgorithm().id())
                + ",\"cpu_s\":" + (r.phases().processCpuNanos() < 0 ? "null" : seconds(r.phases().processCpuNanos()))
                + ",\"phase_cpu_s\":" + phases(r.phases().cpuNanos())
                + ",\"phase_wall_s\":" + phases(r.phases().wallNanos())
                + ",\"target\":" + quote(target.toString())
                + ",\"bytes_read_source\":" + r.bytesReadSource() + "}";
    }

    /** {"read":0.123,...}: seconds per phase, in the phases' order. */
    private static String phases(Map<CopyPhases.Phase, Long> nanos) {
        StringBuilder json = new StringBuilder("{");
        for (CopyPhases.Phase phase : CopyPhases.Phase.values()) {
            json.append(json.length() > 1 ? "," : "").append(quote(phase.key())).append(':')
                    .append(seconds(nanos.get(phase)));
        }
        return json.append('}').toString();
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e9);
    }

    private static String quote(String text) {
        StringBuilder json = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }

    /**
     * A one-line progress bar, redrawn in place on standard error: the sum over every target of a fan-out. Called on
     * the copies' driver threads.
     */
    static final class ProgressBar {
        private final PrintWriter err;
        private final boolean enabled;
        private final CopyProgress[] latest;
        private boolean drawn;

        ProgressBar(PrintWriter err, boolean enabled, int targets) {
            this.err = err;
            this.enabled = enabled;
            this.latest = new CopyProgress[targets];
        }

        synchronized void show(int target, CopyProgress progress) {
            if (!enabled) {
                return;
            }
            latest[target] = progress;
            long done = 0;
            long total = 0;
            long skipped = 0;
            double rate = 0;
            for (CopyProgress p : latest) {
                if (p != null) {
                    done += p.bytesDone();
                    total += p.bytesTotal();
                    skipped += p.bytesSkipped();
                    rate += p.bytesPerSecond();
                }
            }
            double fraction = total == 0 ? 1 : Math.min(1.0, (double) done / total);
            int width = 30;
            int filled = (int) Math.round(fraction * width);
            double mib = 1024.0 * 1024.0;
            err.printf(Locale.ROOT, "\r[%s%s] %3d%%  %,.0f / %,.0f MiB  %.1f MiB/s  (skipped %,.0f MiB)%s  ",
                    "#".repeat(filled), ".".repeat(width - filled), (int) (fraction * 100), done / mib,
                    total / mib, rate / mib, skipped / mib, latest.length > 1 ? "  " + latest.length + " targets" : "");
            err.flush();
            drawn = true;
        }

        synchronized void end() {
            if (drawn) {
                err.println();
                err.flush();
            }
        }
    }
}
