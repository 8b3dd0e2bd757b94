package org.clonefarm.cli;

import java.nio.file.Path;
import org.clonefarm.cli.simulation.DemoMaster;
import org.clonefarm.platform.cp.CcwBus;
import org.clonefarm.platform.cp.LinuxCcwBus;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.platform.simulation.SimulatedCcwBus;
import org.clonefarm.worker.disk.DiskAccessException;
import org.clonefarm.worker.disk.DiskAccessKind;
import org.clonefarm.worker.service.DiskAccessFactory;
import org.clonefarm.worker.service.DiskSettings;

/**
 * Which {@link DiskAccessFactory} a worker of the command line gets: the volume images of the data
 * directory; the z/VM path with {@code vmcp} and the s390 tools of this Linux guest; or the same z/VM path
 * code against the local simulation of the data directory, whose CP runs in this process (state shared with
 * every process on the directory) and whose channel subsystem brings linked minidisks online as loop
 * devices, the worker being the guest {@link DemoMaster#WORKER}.
 */
final class WorkerDiskAccess {
    /**
     * The simulation's volumes have no tracks to format: its {@code dasdfmt} does nothing and succeeds (a
     * real ECKD target is formatted by the real tool on z/VM).
     */
    static final String SIMULATED_DASDFMT = "/bin/true";

    private WorkerDiskAccess() {
    }

    /** The settings a worker in the simulation uses: the cp path's tools are the simulation's. */
    static DiskSettings simulated(DiskSettings disk) {
        return disk.withTools(disk.vmcp(), disk.chccwdev(), disk.cioIgnore(), disk.udevadm(), disk.byPathDirectory(),
                SIMULATED_DASDFMT);
    }

    /**
     * The factory for {@code disk}.
     *
     * @param simulatedZvm whether the cp path runs against the local simulation of {@code dataDir}
     */
    static DiskAccessFactory factory(DiskSettings disk, Path dataDir, boolean simulatedZvm) {
        if (disk.kind() == DiskAccessKind.VOLUMES) {
            return DiskAccessFactory.fromConfig();
        }
        if (simulatedZvm) {
            SimulatedCp system = SimulatedCp.withoutGuests(SimulationDataDirectory.at(dataDir), SimulatedCp.DEFAULT_SYSTEM_NAME);
            Userid worker = new Userid(DemoMaster.WORKER);
            SimulatedCcwBus bus = new SimulatedCcwBus(system, worker);
            DiskAccessFactory cp = DiskAccessFactory.cp(system.session(worker), bus);
            return config -> {
                // a device a stopped worker could not set offline (its link is detached) keeps a loop device
                // and a by-path link until someone releases them: at every worker start
                try {
                    bus.reconcile();
                } catch (CcwBus.CcwException e) {
                    throw new DiskAccessException("cannot release the loop devices left under " + bus.byPathDirectory()
                            + ": " + e.getMessage(), e.retryable(), e);
                }
                return cp.open(config);
            };
        }
        return DiskAccessFactory.cp(new LinuxCcwBus(LinuxCcwBus.Settings.defaults()
                .withTools(Path.of(disk.cioIgnore()), Path.of(disk.chccwdev()), Path.of(disk.udevadm()))
                .withByPathDirectory(disk.byPathDirectory())));
    }
}
