package org.clonefarm.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import picocli.CommandLine.Option;

/**
 * {@code --data DIR [--as USERID]}: the local simulation and the virtual machine a z/VM tool runs in
 * (vmcp, chccwdev, cio_ignore). {@code --as} defaults to {@code $CLONEFARM_USERID}, else
 * {@value #DEFAULT_USERID}. A picocli mixin.
 */
public final class SimulatedGuestOptions {
    /** The userid a tool runs as when neither {@code --as} nor {@code $CLONEFARM_USERID} says. */
    static final String DEFAULT_USERID = "OPERATOR";

    /** Exit code for a problem outside CP (vmcp's "Linux error"): no data directory. */
    static final int ENVIRONMENT_ERROR = 3;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "The local simulation data directory (volumes/, directory/USER.DIRECT, cp/state).")
    Path data;

    @Option(names = "--as", paramLabel = "USERID",
            description = "The virtual machine the command runs in (default: $CLONEFARM_USERID, else " + DEFAULT_USERID + ").")
    String as;

    /** The userid from {@code --as}, the environment or the default. */
    Userid userid() {
        String value = as;
        if (value == null) {
            String env = System.getenv("CLONEFARM_USERID");
            value = env == null || env.isBlank() ? DEFAULT_USERID : env;
        }
        value = value.toUpperCase(Locale.ROOT);
        if (!Userid.isValid(value)) {
            throw UserError.usage("'" + value + "' is not a userid: use 1-8 characters of A-Z 0-9 @ # $ (--as or $CLONEFARM_USERID).");
        }
        return Userid.of(value);
    }

    /** The simulated CP of {@code --data}, for a process that runs no guests. */
    SimulatedCp system() {
        if (!Files.isDirectory(data.resolve("directory"))) {
            throw new UserError("data directory " + data + " has no CP directory (directory/USER.DIRECT); give the --data of a"
                    + " local simulation.", ENVIRONMENT_ERROR, null);
        }
        return SimulatedCp.withoutGuests(SimulationDataDirectory.at(data), SimulatedCp.DEFAULT_SYSTEM_NAME);
    }
}
