package org.clonefarm.platform.cp;

import java.nio.file.Path;
import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.simulation.SimulationDataDirectory;

/**
 * Another process on the same simulated CP, for the tests of its shared state:
 * {@code link DATA USER OWNER VADDR VDEV MODE} links and exits; {@code xautolog DATA USERID} logs a
 * user on with a runtime that boots nothing, prints {@code LOGGED ON}, and waits to be killed.
 */
public final class SimulatedCpChild {
    private SimulatedCpChild() {
    }

    public static void main(String[] args) throws Exception {
        SimulationDataDirectory data = SimulationDataDirectory.at(Path.of(args[1]));
        switch (args[0]) {
            case "link" -> {
                SimulatedCp system = SimulatedCp.withoutGuests(data, "ZVMSIM");
                LinkResult result = system.session(Userid.of(args[2])).link(Userid.of(args[3]), Vaddr.of(args[4]), Vaddr.of(args[5]),
                        LinkMode.of(args[6]));
                System.out.println("LINKED " + (result.readWrite() ? "R/W" : "R/O"));
            }
            case "xautolog" -> {
                GuestRuntime nothing = new GuestRuntime() {
                    @Override
                    public void boot(Userid userid, SimulatedCp system) {
                    }

                    @Override
                    public void halt(Userid userid) {
                    }
                };
                SimulatedCp system = new SimulatedCp(data, nothing, "ZVMSIM");
                system.session(Userid.of("OPERATOR")).xautolog(Userid.of(args[2]));
                System.out.println("LOGGED ON");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
            default -> throw new IllegalArgumentException("unknown action " + args[0]);
        }
    }
}
