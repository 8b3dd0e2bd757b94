package org.clonefarm.cli;

import java.nio.file.Path;
import org.clonefarm.cli.local.LocalGuestRuntime;
import org.clonefarm.platform.cp.LocalSystem;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.simulation.LocalDataDirectory;

/**
 * A process that boots one local guest and then waits to be stopped, for the test that presses
 * Ctrl-C (SIGINT) while the guest boots: {@code LocalGuestsChild DATA BOOTSTRAP USERID}.
 */
public final class LocalGuestsChild {
    private LocalGuestsChild() {
    }

    public static void main(String[] args) throws Exception {
        LocalDataDirectory data = LocalDataDirectory.at(Path.of(args[0]));
        LocalGuestRuntime runtime = new LocalGuestRuntime(LocalGuestRuntime.Settings.of(data, args[1], "clonefarm."));
        LocalSystem system = new LocalSystem(data, runtime, "ZVMSIM");
        system.session(Userid.of("OPERATOR")).xautolog(Userid.of(args[2]));
        System.out.println("booting " + args[2]);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
