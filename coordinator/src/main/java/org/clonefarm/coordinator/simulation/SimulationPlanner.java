package org.clonefarm.coordinator.simulation;

import java.io.IOException;
import java.time.Clock;
import java.util.Objects;
import org.clonefarm.coordinator.commands.BatchCommands.BatchCommandException;
import org.clonefarm.coordinator.plan.BatchPlan;
import org.clonefarm.coordinator.plan.DirectoryPlanner;
import org.clonefarm.coordinator.spec.SpecParser;
import org.clonefarm.platform.simulation.SimulationDataDirectory;

/**
 * Checks and plans a spec against a local simulation's directory, changing nothing: what
 * {@code clonefarm plan} shows and what submit applies. Stateless and thread-safe.
 */
public final class SimulationPlanner {
    private final SimulationDataDirectory data;
    private final Clock clock;

    public SimulationPlanner(SimulationDataDirectory data, Clock clock) {
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
            throw DirectoryPlanner.badSpec(parsed.problems());
        }
        return DirectoryPlanner.plan(parsed, data.readDirectory(), data.readExtentControl(), clock);
    }
}
