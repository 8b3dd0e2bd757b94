package org.clonefarm.coordinator.plan;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.clonefarm.coordinator.commands.BatchCommands.BatchCommandException;
import org.clonefarm.coordinator.spec.SpecParser;
import org.clonefarm.coordinator.spec.SpecProblem;
import org.clonefarm.coordinator.spec.SpecValidator;
import org.clonefarm.platform.allocation.AllocationException;
import org.clonefarm.platform.allocation.ExtentControl;
import org.clonefarm.platform.directory.DirectoryProblem;
import org.clonefarm.platform.directory.UserDirectory;

/**
 * Validates a parsed spec against a CP directory and its EXTENT CONTROL and plans it: the one way
 * to a {@link BatchPlan}, whatever the directory is (the local simulation's USER.DIRECT, or a
 * USER DIRECT extract of a z/VM system for DirMaint). Stateless and thread-safe; the directory
 * object given is changed (see {@link BatchPlanner#plan}).
 */
public final class DirectoryPlanner {

    private DirectoryPlanner() {
    }

    /**
     * Validates and plans; the directory gains the batch's entries.
     *
     * @throws BatchCommandException BAD_REQUEST with every problem of the spec or a group without room;
     *     CONFLICT when the batch's name is taken by another spec
     */
    public static BatchPlan plan(SpecParser.Result parsed, UserDirectory directory, ExtentControl control, Clock clock) {
        if (parsed.spec() == null) {
            throw badSpec(parsed.problems());
        }
        SpecValidator.Validation validation = new SpecValidator(
                new DirectorySystemView(directory, control, parsed.spec().batch())).validate(parsed.spec(), parsed.lines());
        List<SpecProblem> problems = new ArrayList<>(parsed.problems());
        problems.addAll(validation.problems());
        if (!problems.isEmpty()) {
            throw badSpec(problems);
        }
        try {
            return new BatchPlanner(directory, control).plan(parsed.spec(), validation.clones(), clock.instant());
        } catch (AllocationException e) {
            throw new BatchCommandException(BatchCommandException.Kind.BAD_REQUEST,
                    "volumes " + parsed.spec().volumes() + " cannot hold the batch: " + e.getMessage(), List.of());
        } catch (IllegalStateException e) {
            throw new BatchCommandException(BatchCommandException.Kind.CONFLICT, e.getMessage(), List.of());
        }
    }

    /**
     * {@link #plan}, then checks that the directory with the batch's entries has no problem it did
     * not have before (overlapping extents, duplicate vaddrs, LINKs to nothing). Only what the batch
     * adds counts: a prototype's AUTOG is a "problem" of every directory that has one.
     *
     * @throws BatchCommandException CONFLICT naming the first new problem
     */
    public static BatchPlan planConsistent(SpecParser.Result parsed, UserDirectory directory, ExtentControl control,
            Clock clock) {
        Set<String> before = new HashSet<>();
        directory.validate().forEach(problem -> before.add(problem.toString()));
        BatchPlan plan = plan(parsed, directory, control, clock);
        List<DirectoryProblem> added = directory.validate().stream()
                .filter(problem -> !before.contains(problem.toString())).toList();
        if (!added.isEmpty()) {
            throw new BatchCommandException(BatchCommandException.Kind.CONFLICT, "the directory would not be"
                    + " consistent after adding batch " + plan.batchId() + ": " + added.get(0) + "; nothing was changed",
                    List.of());
        }
        return plan;
    }

    /** The refusal of a spec with problems: one line per problem, each with its place. */
    public static BatchCommandException badSpec(List<SpecProblem> problems) {
        StringBuilder message = new StringBuilder("the spec has ").append(problems.size())
                .append(problems.size() == 1 ? " problem" : " problems");
        for (SpecProblem problem : problems) {
            message.append(System.lineSeparator()).append("  ").append(problem);
        }
        return new BatchCommandException(BatchCommandException.Kind.BAD_REQUEST, message.toString(), problems);
    }
}
