package org.clonefarm.platform.master;

import java.io.IOException;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.master.internal.GuestPathNames;
import org.clonefarm.platform.master.internal.PreparationJournal;
import org.clonefarm.platform.master.internal.RelocationPlanner;
import org.clonefarm.platform.master.internal.StepRunner;

/**
 * The paper's master preparation on one master tree: {@link #analyze} works out what a profile moves,
 * {@link #apply} moves it, {@link #undo} puts everything back as it was.
 *
 * <p><b>Durability.</b> Apply writes the whole plan as a journal in the master's root
 * ({@link CloneLayout#PREPARATION_JOURNAL}) before it changes anything, then records {@code begin N},
 * forced to disk, before step N touches the tree and {@code done N} after the step is durable. Each step
 * can be finished or taken back from any state a crash leaves, so an interrupted apply is completed by
 * applying again (same profile) or taken back by undo; an interrupted undo is finished by undo again.
 * Undo takes back the steps in reverse order, then puts back the modification times the plan recorded
 * of every directory whose entries changed, and deletes the journal last: apply then undo leaves names,
 * types, modes, owners, contents, link targets, device numbers, extended attributes and the modification
 * times of files and directories as they were (a crash while the journal is deleted can leave the time of
 * its directory, {@code /boot}, changed).
 *
 * <p>Not thread-safe, and one process at a time per master: the caller keeps others off the tree
 * (and off the master's disks while clones are copied from them).
 */
public final class MasterPreparation {

    /** Where a tree stands. */
    public enum State {
        /** No journal: never prepared, or undone. */
        UNPREPARED,
        /** An apply started and did not finish. */
        APPLYING,
        /** Prepared: every step done. */
        APPLIED,
        /** An undo started and did not finish. */
        UNDOING
    }

    /**
     * What the journal says.
     *
     * @param plan the journal's plan, or null when {@link State#UNPREPARED}
     * @param stepsDone steps done (applying, applied) or undone (undoing)
     */
    public record Status(State state, RelocationPlan plan, int stepsDone, Instant started) {
    }

    /** Called after each step, on the caller's thread. */
    @FunctionalInterface
    public interface Progress {
        /**
         * @param number the step's number, 1 to {@code count}
         * @param already whether the journal had it done (or undone) before this run
         */
        void step(int number, int count, PlanStep step, boolean already);
    }

    /** What a run did: {@code stepsRun} now, {@code stepsAlready} done by an earlier, interrupted run. */
    public record Outcome(RelocationPlan plan, int stepsRun, int stepsAlready) {
    }

    private final MasterTree tree;
    private final Clock clock;

    public MasterPreparation(MasterTree tree) {
        this(tree, Clock.systemUTC());
    }

    public MasterPreparation(MasterTree tree, Clock clock) {
        this.tree = Objects.requireNonNull(tree, "tree");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public MasterTree tree() {
        return tree;
    }

    /** Where the tree stands, from its journal. */
    public Status status() throws PreparationException {
        Optional<PreparationJournal> journal = journal();
        if (journal.isEmpty()) {
            return new Status(State.UNPREPARED, null, 0, null);
        }
        PreparationJournal j = journal.get();
        State state = j.undoing() ? State.UNDOING : j.applied() ? State.APPLIED : State.APPLYING;
        return new Status(state, j.plan(), j.undoing() ? j.undoneCount() : j.doneCount(), j.created());
    }

    /**
     * What {@code profile} would move on this tree as it is now; changes nothing.
     *
     * @throws PreparationException {@link PreparationException.Reason#ALREADY_PREPARED} when the tree has a
     *     journal (its plan is in {@link #status()}), or {@link PreparationException.Reason#STEP_FAILED} when
     *     the tree cannot be read
     */
    public RelocationPlan analyze(PreparationProfile profile) throws PreparationException {
        Status status = status();
        if (status.state() != State.UNPREPARED) {
            throw new PreparationException(PreparationException.Reason.ALREADY_PREPARED, describe(status));
        }
        try {
            return new RelocationPlanner(tree, profile).plan();
        } catch (IOException e) {
            throw new PreparationException(PreparationException.Reason.STEP_FAILED, "cannot read " + tree + ": " + e + ".", e);
        }
    }

    /**
     * Applies {@code profile}: plans, journals the plan, runs every step; or completes the journal's
     * interrupted apply of the same profile.
     *
     * @throws PreparationException refusals (already prepared, another profile or an undo interrupted,
     *     blocked by the plan's problems: nothing changed), {@link PreparationException.Reason#TREE_CHANGED}
     *     or {@link PreparationException.Reason#STEP_FAILED} (the journal keeps what was done)
     */
    public Outcome apply(PreparationProfile profile, Progress progress) throws PreparationException {
        Status status = status();
        PreparationJournal journal;
        switch (status.state()) {
            case APPLIED:
                throw new PreparationException(PreparationException.Reason.ALREADY_PREPARED, describe(status));
            case UNDOING:
                throw new PreparationException(PreparationException.Reason.UNDO_INTERRUPTED, describe(status));
            case APPLYING:
                if (!status.plan().profile().name().equals(profile.name())) {
                    throw new PreparationException(PreparationException.Reason.OTHER_PROFILE_INTERRUPTED, describe(status)
                            + " It cannot become " + profile.name() + " midway.");
                }
                journal = journal().orElseThrow();
                break;
            default:
                RelocationPlan plan = analyze(profile);
                if (!plan.applicable()) {
                    throw new PreparationException(PreparationException.Reason.BLOCKED, tree + " cannot be prepared for "
                            + profile.name() + ": " + String.join(" ", plan.problems()));
                }
                try {
                    journal = PreparationJournal.publish(tree.resolve(CloneLayout.PREPARATION_JOURNAL), plan, clock.instant());
                } catch (IOException e) {
                    throw new PreparationException(PreparationException.Reason.STEP_FAILED, "cannot write the journal "
                            + tree.resolve(CloneLayout.PREPARATION_JOURNAL) + ": " + e + "; nothing was changed.", e);
                }
        }
        List<PlanStep> steps = journal.plan().steps();
        StepRunner runner = new StepRunner(tree);
        int run = 0;
        int already = 0;
        for (int number = 1; number <= steps.size(); number++) {
            PlanStep step = steps.get(number - 1);
            if (journal.done(number)) {
                already++;
                progress.step(number, steps.size(), step, true);
                continue;
            }
            try {
                journal.recordBegin(number);
                runner.apply(step);
                journal.recordDone(number);
            } catch (StepRunner.TreeChangedException e) {
                throw new PreparationException(PreparationException.Reason.TREE_CHANGED, "step " + number + " of "
                        + steps.size() + " cannot go on: " + e.getMessage() + ". The journal " + journal.file()
                        + " keeps what was done.", e);
            } catch (IOException | RuntimeException e) {
                throw stepFailed(journal, number, steps.size(), step, e);
            }
            run++;
            progress.step(number, steps.size(), step, false);
        }
        try {
            journal.recordApplied();
        } catch (IOException e) {
            throw stepFailed(journal, steps.size(), steps.size(), steps.isEmpty() ? null : steps.get(steps.size() - 1), e);
        }
        return new Outcome(journal.plan(), run, already);
    }

    /**
     * Takes back every step the journal says began, newest first, restores the directories' times and
     * removes the journal.
     *
     * @throws PreparationException {@link PreparationException.Reason#NO_JOURNAL}, or
     *     {@link PreparationException.Reason#TREE_CHANGED} / {@link PreparationException.Reason#STEP_FAILED}
     *     (the journal keeps what was undone; undo again continues)
     */
    public Outcome undo(Progress progress) throws PreparationException {
        PreparationJournal journal = journal().orElseThrow(() -> new PreparationException(
                PreparationException.Reason.NO_JOURNAL, tree + " has no preparation journal ("
                + CloneLayout.PREPARATION_JOURNAL + "): it was never prepared, or an undo already finished."));
        List<PlanStep> steps = journal.plan().steps();
        StepRunner runner = new StepRunner(tree);
        int run = 0;
        int already = 0;
        try {
            if (!journal.undoing()) {
                journal.recordUndoStarted();
            }
        } catch (IOException e) {
            throw stepFailed(journal, 0, steps.size(), null, e);
        }
        for (int number = steps.size(); number >= 1; number--) {
            PlanStep step = steps.get(number - 1);
            if (journal.undone(number) || !journal.begun(number)) {
                already++;
                progress.step(number, steps.size(), step, true);
                continue;
            }
            try {
                runner.undo(step);
                journal.recordUndone(number);
            } catch (StepRunner.TreeChangedException e) {
                throw new PreparationException(PreparationException.Reason.TREE_CHANGED, "undoing step " + number + " of "
                        + steps.size() + " cannot go on: " + e.getMessage() + ". The journal " + journal.file()
                        + " keeps what was undone.", e);
            } catch (IOException | RuntimeException e) {
                throw stepFailed(journal, number, steps.size(), step, e);
            }
            run++;
            progress.step(number, steps.size(), step, false);
        }
        String journalDir = GuestPathNames.parent(CloneLayout.PREPARATION_JOURNAL);
        try {
            for (Map.Entry<String, FileTime> time : journal.plan().directoryTimes().entrySet()) {
                if (!time.getKey().equals(journalDir)) {
                    runner.setTime(time.getKey(), time.getValue());
                }
            }
            journal.delete();
            FileTime journalDirTime = journal.plan().directoryTimes().get(journalDir);
            if (journalDirTime != null) {
                runner.setTime(journalDir, journalDirTime);
            }
        } catch (IOException e) {
            throw new PreparationException(PreparationException.Reason.STEP_FAILED, "every step is undone, but the"
                    + " directories' times or the journal " + journal.file() + " cannot be put back: " + e + ".", e);
        }
        return new Outcome(journal.plan(), run, already);
    }

    private Optional<PreparationJournal> journal() throws PreparationException {
        try {
            return PreparationJournal.read(tree.resolve(CloneLayout.PREPARATION_JOURNAL));
        } catch (PreparationJournal.DamagedJournalException e) {
            throw new PreparationException(PreparationException.Reason.DAMAGED_JOURNAL, e.getMessage()
                    + "; the tree's preparation cannot be continued or undone from it.", e);
        } catch (IOException e) {
            throw new PreparationException(PreparationException.Reason.STEP_FAILED, "cannot read the journal "
                    + tree.resolve(CloneLayout.PREPARATION_JOURNAL) + ": " + e + ".", e);
        }
    }

    /** One sentence on the tree's state, for refusals. */
    private String describe(Status status) {
        String profile = status.plan() == null ? "" : status.plan().profile().name();
        int count = status.plan() == null ? 0 : status.plan().steps().size();
        switch (status.state()) {
            case APPLIED:
                return tree + " is already prepared for " + profile + " (journal " + CloneLayout.PREPARATION_JOURNAL
                        + ", " + count + " steps, started " + status.started() + ").";
            case APPLYING:
                return "An apply of " + profile + " on " + tree + " was interrupted after " + status.stepsDone() + " of "
                        + count + " steps (journal " + CloneLayout.PREPARATION_JOURNAL + ").";
            case UNDOING:
                return "An undo of the " + profile + " preparation of " + tree + " was interrupted after "
                        + status.stepsDone() + " of " + count + " steps (journal " + CloneLayout.PREPARATION_JOURNAL + ").";
            default:
                return tree + " is not prepared.";
        }
    }

    private static PreparationException stepFailed(PreparationJournal journal, int number, int count, PlanStep step,
            Exception e) {
        String what = step == null ? "the journal" : step.path();
        return new PreparationException(PreparationException.Reason.STEP_FAILED, "step " + number + " of " + count + " ("
                + what + ") failed: " + e.getMessage() + ". The journal " + journal.file() + " keeps what was done.", e);
    }
}
