package org.clonefarm.worker.service;

import java.util.Objects;
import org.clonefarm.platform.cp.CcwBus;
import org.clonefarm.platform.cp.Cp;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.worker.disk.CpMinidiskAccess;
import org.clonefarm.worker.disk.DiskAccessException;
import org.clonefarm.worker.disk.DiskAccessKind;
import org.clonefarm.worker.disk.MinidiskAccess;
import org.clonefarm.worker.disk.simulation.VolumeImageAccess;

/**
 * Builds a worker's {@link MinidiskAccess} when it starts ({@link WorkerService#start(WorkerConfig,
 * DiskAccessFactory)}). Callers that own a CP and a ccw bus (the local simulation's in-process ones, or
 * {@code VmcpCp} and {@code LinuxCcwBus} on z/VM) hand them in with {@link #cp(Cp, CcwBus)}; the worker
 * reconciles the access at start and closes it when it stops.
 */
@FunctionalInterface
public interface DiskAccessFactory {

    /** A new access for the worker {@code config} describes. */
    MinidiskAccess open(WorkerConfig config) throws DiskAccessException;

    /**
     * What the configuration alone can build: {@code volumes}, over the data directory's volume images. The
     * {@code cp} kind needs a ccw bus, which the configuration cannot make: use {@link #cp(Cp, CcwBus)}.
     */
    static DiskAccessFactory fromConfig() {
        return config -> {
            if (config.disk().kind() == DiskAccessKind.VOLUMES) {
                return new VolumeImageAccess(SimulationDataDirectory.at(config.dataDirectory()));
            }
            throw new DiskAccessException("the cp disk access needs the Linux ccw bus of this guest: start the worker"
                    + " with DiskAccessFactory.cp(cp, ccwBus)", false);
        };
    }

    /** The z/VM path with the caller's CP and ccw bus; the rest (state directory, timeouts, dasdfmt) from the configuration. */
    static DiskAccessFactory cp(Cp cp, CcwBus bus) {
        Objects.requireNonNull(cp, "cp");
        Objects.requireNonNull(bus, "bus");
        return config -> new CpMinidiskAccess(cp, bus,
                config.disk().cpAccessOptions(config.workerId(), config.dataDirectory()));
    }

    /** The z/VM path with CP through the configured {@code vmcp} and the caller's ccw bus. */
    static DiskAccessFactory cp(CcwBus bus) {
        Objects.requireNonNull(bus, "bus");
        return config -> cp(config.disk().vmcpCp(), bus).open(config);
    }
}
