package org.clonefarm.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clonefarm.platform.cp.CcwBus.CcwException;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.simulation.SimulatedCcwBus;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clonefarm zvm chccwdev --data DIR [--as USERID] -e|-d 0.0.VDEV}: s390-tools' chccwdev on the simulated channel subsystem. */
@Command(
        name = "chccwdev",
        mixinStandardHelpOptions = true,
        description = {
            "Set a device of a simulated guest online or offline, as chccwdev does on Linux on z/VM.",
            "",
            "Online attaches a loop device over the minidisk the guest (--as) has linked at that address and links it as "
                    + "<data>/run/by-path/<USERID>/ccw-0.0.VDEV; offline detaches it and removes the link. Messages and "
                    + "exit codes as chccwdev's: 'Setting device 0.0.1200 online' and 'Done', exit 0; 'Device 0.0.1200 not "
                    + "found' when nothing is linked there, exit 1; 'Failed (...)' on standard error, exit 1. Needs root."
        })
public final class ZvmChccwdevCommand implements Callable<Integer> {

    /** {@code 0.0.1200}, {@code 1200}: one device in subchannel set 0. */
    static final Pattern BUS_ID = Pattern.compile("(?:0\\.0\\.)?([0-9a-fA-F]{1,4})");

    @Spec
    CommandSpec spec;

    @Mixin
    SimulatedGuestOptions guest;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    static final class Action {
        @Option(names = {"-e", "--online"}, required = true, description = "Set the device online.")
        boolean online;

        @Option(names = {"-d", "--offline"}, required = true, description = "Set the device offline.")
        boolean offline;
    }

    @Parameters(index = "0", paramLabel = "BUSID", description = "The device: 0.0.VDEV (or VDEV), e.g. 0.0.1200.")
    String busId;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<Vaddr> vdev = parse(busId);
        if (vdev.isEmpty()) {
            err.println(busId + " is not a valid bus ID.");
            err.println("ERROR: Evaluation of bus IDs failed!");
            err.flush();
            return 1;
        }
        String id = vdev.get().ccwBusId();
        try (SimulatedCp system = guest.system()) {
            SimulatedCcwBus bus = new SimulatedCcwBus(system, guest.userid());
            boolean online = bus.isOnline(vdev.get());
            if (!online) {
                bus.unignore(vdev.get()); // as chccwdev looks for the device first: "not found" before anything else
            }
            if (action.online) {
                if (online) {
                    err.println("WARNING: Device[" + id + "] is already online");
                } else {
                    out.println("Setting device " + id + " online");
                    out.flush();
                    bus.online(vdev.get(), Duration.ofSeconds(60));
                }
            } else {
                if (!online) {
                    err.println("Device is already offline");
                } else {
                    out.println("Setting device " + id + " offline");
                    out.flush();
                }
                bus.offline(vdev.get());
            }
            out.println("Done");
            return 0;
        } catch (CcwException e) {
            if (e.getMessage().startsWith("Device " + id + " not found")) {
                out.println("Device " + id + " not found");
                err.println(e.getMessage());
            } else {
                err.println("Failed (" + e.getMessage() + ")");
            }
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The device of a bus id as chccwdev accepts it for subchannel set 0.0. */
    static Optional<Vaddr> parse(String busId) {
        Matcher m = BUS_ID.matcher(busId.strip());
        return m.matches() ? Optional.of(Vaddr.of(m.group(1).toUpperCase(Locale.ROOT))) : Optional.empty();
    }
}
