package org.clonefarm.cli;

import java.nio.file.Path;
import org.clonefarm.cli.simulation.LoopMountGuestRuntime;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.simulation.SimulationDataDirectory;

/**
 * A process that boots one local guest and then waits to be stopped, for the test that presses
 * Ctrl-C (SIGINT) while the guest boots: {@code LoopMountGuestsChild DATA BOOTSTRAP USERID}.
 */
public final class LoopMountGuestsChild {
    private LoopMountGuestsChild() {
    }

    public static void main(String[] args) throws Exception {
        SimulationDataDirectory data = SimulationDataDirectory.at(Path.of(args[0]));
        LoopMountGuestRuntime runtime = new LoopMountGuestRuntime(LoopMountGuestRuntime.Settings.of(data, args[1], "clonefarm."));
        SimulatedCp system = new SimulatedCp(data, runtime, "ZVMSIM");
        system.session(Userid.of("OPERATOR")).xautolog(Userid.of(args[2]));
        System.out.println("booting " + args[2]);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
