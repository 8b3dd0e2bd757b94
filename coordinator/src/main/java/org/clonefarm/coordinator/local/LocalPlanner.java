package org.clonefarm.coordinator.local;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.clonefarm.coordinator.api.BatchCommands.BatchCommandException;
import org.clonefarm.coordinator.plan.BatchPlan;
import org.clonefarm.coordinator.plan.BatchPlanner;
import org.clonefarm.coordinator.plan.DirectorySystemView;
import org.clonefarm.coordinator.spec.SpecParser;
import org.clonefarm.coordinator.spec.SpecProblem;
import org.clonefarm.coordinator.spec.SpecValidator;
import org.clonefarm.platform.allocation.AllocationException;
import org.clonefarm.platform.allocation.ExtentControl;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.simulation.LocalDataDirectory;

/**
 * Checks and plans a spec against a local simulation's directory, changing nothing: what
 * {@code clonefarm plan} shows and what submit applies. Stateless and thread-safe.
 */
public final class LocalPlanner {
    private final LocalDataDirectory data;
    private final Clock clock;

    public LocalPlanner(LocalDataDirectory data, Clock clock) {
        this.data = Objects.requireNonNull(data, "data");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Plans the spec against the directory as it is now.
     *
     * @throws BatchCommandException with every problem of the spec, or what does not fit
     */
    public BatchPlan plan(String specYaml) throws IOException {
        SpecParser.Result parsed = new SpecParser().parse(specYaml);
        if (parsed.spec() == null) {
            throw badSpec(parsed.problems());
        }
        return planAgainst(parsed, data.readDirectory(), data.readExtentControl(), clock);
    }

    static BatchPlan planAgainst(SpecParser.Result parsed, UserDirectory directory, ExtentControl control, Clock clock) {
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

    static BatchCommandException badSpec(List<SpecProblem> problems) {
        StringBuilder message = new StringBuilder("the spec has ").append(problems.size())
                .append(problems.size() == 1 ? " problem" : " problems");
        for (SpecProblem problem : problems) {
            message.append(System.lineSeparator()).append("  ").append(problem);
        }
        return new BatchCommandException(BatchCommandException.Kind.BAD_REQUEST, message.toString(), problems);
    }
}
