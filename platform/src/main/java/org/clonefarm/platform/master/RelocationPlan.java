package org.clonefarm.platform.master;

import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What preparing a master for a profile does, in the order it is done: the directories it makes, the
 * relative links it rewrites, the entries it moves with a link in their place. {@link #skipped()} names
 * what the rules found but leave alone, and why; {@link #problems()} what keeps the plan from being
 * applied (each a sentence). {@link #directoryTimes()} holds the modification times of the directories
 * whose entries the steps change, as they were before, so undo can put them back. Immutable.
 */
public record RelocationPlan(PreparationProfile profile, List<PlanStep> steps, Map<String, FileTime> directoryTimes,
        List<Skipped> skipped, List<String> problems) {

    /** A path the rules matched that is not moved, and why. */
    public record Skipped(String path, String why) {
        public Skipped {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(why, "why");
        }
    }

    public RelocationPlan {
        Objects.requireNonNull(profile, "profile");
        steps = List.copyOf(steps);
        directoryTimes = Map.copyOf(directoryTimes);
        skipped = List.copyOf(skipped);
        problems = List.copyOf(problems);
    }

    /** The moves only, in order. */
    public List<PlanStep.Move> moves() {
        return steps.stream().filter(PlanStep.Move.class::isInstance).map(PlanStep.Move.class::cast).toList();
    }

    /** Whether the plan can be applied: no problems. */
    public boolean applicable() {
        return problems.isEmpty();
    }
}
