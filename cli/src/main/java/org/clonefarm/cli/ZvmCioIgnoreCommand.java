package org.clonefarm.cli;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.clonefarm.platform.cp.CcwBus.CcwException;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.simulation.SimulatedCcwBus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clonefarm zvm cio_ignore --data DIR [--as USERID] -r 0.0.VDEV}: s390-tools' cio_ignore on the simulated channel subsystem. */
@Command(
        name = "cio_ignore",
        mixinStandardHelpOptions = true,
        description = {
            "Take a device of a simulated guest off the ignore list, as 'cio_ignore -r' does on Linux on z/VM.",
            "",
            "The simulation has no ignore list: this checks that the guest (--as) has a minidisk linked at that address. "
                    + "Prints nothing and exits 0 when it has; otherwise 'cio_ignore: Error: ...' on standard error, exit 1."
        })
public final class ZvmCioIgnoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SimulatedGuestOptions guest;

    @Option(names = {"-r", "--remove"}, required = true, paramLabel = "DEVID", description = "The device: 0.0.VDEV (or VDEV).")
    String device;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Optional<Vaddr> vdev = ZvmChccwdevCommand.parse(device);
        if (vdev.isEmpty()) {
            err.println("cio_ignore: Error: device ID '" + device + "': unrecognized format");
            err.flush();
            return 1;
        }
        try (SimulatedCp system = guest.system()) {
            new SimulatedCcwBus(system, guest.userid()).unignore(vdev.get());
            return 0;
        } catch (CcwException e) {
            err.println("cio_ignore: Error: could not remove '" + vdev.get().ccwBusId() + "' from blacklist: " + e.getMessage());
            err.flush();
            return 1;
        }
    }
}
