package org.clonefarm.coordinator.dirmaint;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.clonefarm.coordinator.commands.BatchCommands.BatchCommandException;
import org.clonefarm.coordinator.commands.BatchCommands.Submitted;
import org.clonefarm.coordinator.plan.BatchPlan;
import org.clonefarm.coordinator.plan.BatchPlanner;
import org.clonefarm.coordinator.plan.DirectoryPlanner;
import org.clonefarm.coordinator.publish.BatchPublisher;
import org.clonefarm.coordinator.publish.NamesTarget;
import org.clonefarm.coordinator.spec.SpecParser;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.platform.allocation.ExtentControl;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.DirectoryProblem;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.ids.Userid;

/**
 * Submit on z/VM through DirMaint: plans a spec against a USER DIRECT extract and an EXTENT CONTROL
 * file of the z/VM system (the same planner and allocator as the local simulation), turns each
 * planned clone entry into DirMaint commands ({@link DirMaintRenderer}), and then, by mode:
 * <ul>
 *   <li>{@link #print}: gives the commands as a REXX EXEC for an administrator; nothing is applied
 *       and nothing is published (a worker must not copy to minidisks that do not exist yet);</li>
 *   <li>{@link #run}: runs every command through the site's command ({@link ExternalDirMaint}) in
 *       order, recording each success in the journal, then writes the NAMES file and publishes;</li>
 *   <li>{@link #applied}: the administrator ran the printed EXEC; records every command as applied,
 *       then writes the NAMES file and publishes.</li>
 * </ul>
 *
 * <p>Re-running continues: the journal ({@code <journalDir>/<batch>.dirmaint-journal}, see
 * {@link DirMaintJournal}) holds the plan and which commands were applied. A journal with applied
 * commands is the plan from then on: its entries are put into the directory (replacing the clones'
 * entries of a fresh extract, which are the journal's own) so the same extents are planned. A
 * journal with nothing applied is replaced by a fresh plan, unless the EXEC is reported applied.
 * Submitting a batch that the events topic already has changes nothing; another spec under the same
 * batch name is refused, also when only a journal knows the batch.
 *
 * <p>Not thread-safe: one submit of a batch at a time (as with DirMaint itself).
 */
public final class DirMaintSubmit {
    /** The journal file's name for a batch. */
    public static final String JOURNAL_SUFFIX = ".dirmaint-journal";

    private final Path directoryFile;
    private final Path extentControlFile;
    private final Path journalDir;
    private final Clock clock;

    /** Receives progress while commands run. */
    public interface Progress {
        /** Command {@code number} of {@code total} (1-based) is about to run. */
        void running(int number, int total, DirMaintCommand command);

        /** Command {@code number} succeeded; {@code stdout} is what it printed. */
        void applied(int number, int total, DirMaintCommand command, String stdout);
    }

    /**
     * What a submit did.
     *
     * @param submitted the batch, its clones and bytes; {@code alreadySubmitted} when the events had it
     * @param exec the EXEC ({@link #print} only, else {@code null})
     * @param commands the batch's commands in all
     * @param ran commands run now
     * @param skipped commands applied before and skipped now
     * @param journal the journal file, {@code null} when the batch was submitted before
     * @param namesWritten where the NAMES entries went, {@code null} when they were not written
     */
    public record Outcome(Submitted submitted, String exec, int commands, int ran, int skipped, Path journal,
            String namesWritten) {
    }

    /**
     * @param directoryFile the USER DIRECT extract, with the master and the prototype
     * @param extentControlFile DirMaint's EXTENT CONTROL (the regions and groups the spec's volumes name)
     * @param journalDir where journals are kept (created when needed)
     */
    public DirMaintSubmit(Path directoryFile, Path extentControlFile, Path journalDir, Clock clock) {
        this.directoryFile = Objects.requireNonNull(directoryFile, "directoryFile");
        this.extentControlFile = Objects.requireNonNull(extentControlFile, "extentControlFile");
        this.journalDir = Objects.requireNonNull(journalDir, "journalDir");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The journal of a batch. */
    public Path journalFile(String batch) {
        return journalDir.resolve(batch + JOURNAL_SUFFIX);
    }

    /**
     * Plans the batch and gives its DirMaint commands as a REXX EXEC, applying and publishing nothing.
     *
     * @param state the farm's events so far, or {@code null} to skip the already-submitted check
     */
    public Outcome print(String specYaml, Supplier<CloneStateStore> state) throws IOException {
        Prepared prepared = prepare(specYaml, state, false);
        if (prepared.earlier != null) {
            return new Outcome(prepared.earlier, null, 0, 0, 0, null, null);
        }
        String exec = DirMaintScript.exec(prepared.plan, prepared.journal);
        return outcome(prepared, exec, 0, null);
    }

    /**
     * Runs the batch's commands that are not applied yet through {@code runner}, then writes the
     * NAMES entries and publishes the batch.
     *
     * @throws DirMaintException at the first command that fails, naming it, its clone, exit code and stderr
     */
    public Outcome run(String specYaml, Supplier<CloneStateStore> state, ExternalDirMaint runner, NamesTarget names,
            BatchPublisher publisher, Progress progress) throws IOException, InterruptedException {
        Prepared prepared = prepare(specYaml, state, false);
        if (prepared.earlier != null) {
            return completed(prepared, publisher);
        }
        DirMaintJournal journal = prepared.journal;
        List<DirMaintCommand> commands = journal.commands();
        int ran = 0;
        for (int i = 0; i < commands.size(); i++) {
            if (journal.isApplied(i)) {
                continue;
            }
            DirMaintCommand command = commands.get(i);
            progress.running(i + 1, commands.size(), command);
            ExternalDirMaint.Outcome outcome;
            try {
                outcome = runner.run(command);
            } catch (IOException e) {
                throw failure(journal, i, -1, "it could not be started: " + e.getMessage(), e);
            }
            if (!outcome.succeeded()) {
                throw failure(journal, i, outcome.exitCode(), outcome.exitCode() == -1 ? "it timed out"
                        : "it exited with " + outcome.exitCode() + (outcome.stderr().isEmpty() ? " (no stderr)"
                        : "; stderr: " + outcome.stderr()), null);
            }
            journal.markApplied(i);
            ran++;
            progress.applied(i + 1, commands.size(), command, outcome.stdout());
        }
        return finish(prepared, ran, names, publisher);
    }

    /**
     * Records that the administrator applied the printed EXEC in full, then writes the NAMES
     * entries and publishes the batch.
     *
     * @throws BatchCommandException NOT_FOUND when there is no journal (nothing was printed)
     */
    public Outcome applied(String specYaml, Supplier<CloneStateStore> state, NamesTarget names,
            BatchPublisher publisher) throws IOException {
        Prepared prepared = prepare(specYaml, state, true);
        if (prepared.earlier != null) {
            return completed(prepared, publisher);
        }
        for (int i = 0; i < prepared.journal.commands().size(); i++) {
            prepared.journal.markApplied(i);
        }
        return finish(prepared, 0, names, publisher);
    }

    /** A batch published before: clones still PLANNED get their request again (see BatchPublisher). */
    private Outcome completed(Prepared prepared, BatchPublisher publisher) {
        Submitted earlier = prepared.earlier;
        int resent = publisher.resendUnstarted(prepared.store, earlier.batchId(), clock.instant());
        return new Outcome(new Submitted(earlier.batchId(), earlier.clones(), earlier.bytesToCopy(), true, resent),
                null, 0, 0, 0, null, null);
    }

    private Outcome finish(Prepared prepared, int ran, NamesTarget names, BatchPublisher publisher) throws IOException {
        names.write(prepared.plan.names());
        publisher.publish(prepared.plan);
        return outcome(prepared, null, ran, names.describe());
    }

    private Outcome outcome(Prepared prepared, String exec, int ran, String namesWritten) {
        BatchPlan plan = prepared.plan;
        int total = prepared.journal.commands().size();
        return new Outcome(new Submitted(plan.batchId(), plan.clones(), plan.bytesToCopy(), false), exec, total, ran,
                prepared.skipped, prepared.journal.file(), namesWritten);
    }

    private DirMaintException failure(DirMaintJournal journal, int index, int exitCode, String what, Throwable cause) {
        DirMaintCommand command = journal.commands().get(index);
        String message = "DirMaint command " + (index + 1) + " of " + journal.commands().size() + " for clone "
                + command.userid() + " failed: '" + command.text() + "': " + what + ". " + journal.appliedCount()
                + " commands are applied and recorded in " + journal.file() + "; fix the cause and run the same submit"
                + " again: it continues with this command (if DirMaint did apply it after all, undo it first).";
        return new DirMaintException(message, command.userid(), command.text(), exitCode, cause);
    }

    /** {@code earlier} (with the {@code store} that said so) for a batch published before; else the plan. */
    private record Prepared(Submitted earlier, CloneStateStore store, BatchPlan plan, DirMaintJournal journal, int skipped) {
    }

    private Prepared prepare(String specYaml, Supplier<CloneStateStore> state, boolean appliedByHand) throws IOException {
        SpecParser.Result parsed = new SpecParser().parse(specYaml);
        if (parsed.spec() == null || parsed.spec().batch() == null) {
            throw DirectoryPlanner.badSpec(parsed.problems());
        }
        String batch = parsed.spec().batch();
        String digest = BatchPlanner.digest(parsed.spec());
        if (state != null) {
            CloneStateStore store = state.get();
            Submitted earlier = BatchPublisher.earlierSubmit(store, batch, digest);
            if (earlier != null) {
                return new Prepared(earlier, store, null, null, 0);
            }
        }
        Path journalFile = journalFile(batch);
        Optional<DirMaintJournal> journal = DirMaintJournal.read(journalFile);
        if (journal.isPresent() && !journal.get().specDigest().equals(digest)) {
            throw new BatchCommandException(BatchCommandException.Kind.CONFLICT, "batch " + batch + " was started with"
                    + " another spec (journal " + journalFile + "); submit the changed spec under a new batch name", List.of());
        }
        if (appliedByHand && journal.isEmpty()) {
            throw new BatchCommandException(BatchCommandException.Kind.NOT_FOUND, "no DirMaint commands were printed"
                    + " for batch " + batch + " (no journal " + journalFile + "); run submit without --dirmaint-applied"
                    + " first, run the EXEC it prints, then this", List.of());
        }
        UserDirectory directory = UserDirectory.read(directoryFile);
        ExtentControl control = ExtentControl.read(extentControlFile);
        boolean continuing = journal.isPresent() && (journal.get().appliedCount() > 0 || appliedByHand);
        if (continuing) {
            putJournalEntries(directory, journal.get());
        }
        BatchPlan plan = DirectoryPlanner.planConsistent(parsed, directory, control, clock);
        if (continuing) {
            return new Prepared(null, null, plan, journal.get(), journal.get().appliedCount());
        }
        DirectoryEntry prototype = directory.entry(new Userid(parsed.spec().prototype())).orElseThrow();
        DirMaintRenderer renderer = new DirMaintRenderer(prototype);
        List<DirMaintCommand> commands = new ArrayList<>();
        for (DirectoryEntry entry : plan.entries()) {
            commands.addAll(renderer.render(entry));
        }
        DirMaintJournal fresh = DirMaintJournal.create(journalFile, batch, digest, plan.entries(), commands);
        return new Prepared(null, null, plan, fresh, 0);
    }

    /**
     * Puts the journal's planned entries into the directory, in place of what a fresh extract shows
     * for clones the journal applied; refuses when the directory changed so that the plan no longer fits.
     */
    private static void putJournalEntries(UserDirectory directory, DirMaintJournal journal) {
        Set<String> before = new HashSet<>();
        directory.validate().forEach(problem -> before.add(problem.toString()));
        for (String userid : journal.touchedClones()) {
            directory.remove(new Userid(userid));
        }
        for (DirectoryEntry entry : journal.entries()) {
            if (directory.entry(entry.name()).isPresent()) {
                throw new BatchCommandException(BatchCommandException.Kind.CONFLICT, directory.source() + " has an entry "
                        + entry.name() + " that journal " + journal.file() + " planned but did not apply; remove it"
                        + " from z/VM or move the journal away and submit under a new batch name", List.of());
            }
            directory.add(entry);
        }
        List<DirectoryProblem> added = directory.validate().stream()
                .filter(problem -> !before.contains(problem.toString())).toList();
        if (!added.isEmpty()) {
            throw new BatchCommandException(BatchCommandException.Kind.CONFLICT, "the plan in journal " + journal.file()
                    + " no longer fits " + directory.source() + ": " + added.get(0) + "; the directory changed since"
                    + " the batch was started", List.of());
        }
    }
}
