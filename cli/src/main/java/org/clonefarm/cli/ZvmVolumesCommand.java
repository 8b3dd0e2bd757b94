package org.clonefarm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.clonefarm.platform.allocation.ExtentControlException;
import org.clonefarm.platform.allocation.VolumeSpace;
import org.clonefarm.platform.directory.DirectoryException;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.platform.simulation.VolumeStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clonefarm zvm volumes --data DIR}: the volumes of a local simulation and their free space. */
@Command(
        name = "volumes",
        mixinStandardHelpOptions = true,
        description = {
            "List the volumes of a local simulation with their free space.",
            "",
            "For each volume: device type, size, free space and largest free extent (cylinders for 3390, blocks for "
                    + "FB-512; cylinder 0 and the first 32 FBA blocks never count as free), the EXTENT.CONTROL groups it is "
                    + "in, and anything wrong (missing image, image of the wrong size). Exits 1 when something is wrong."
        })
public final class ZvmVolumesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "The local simulation data directory (volumes/, directory/USER.DIRECT, directory/EXTENT.CONTROL).")
    Path data;

    @Override
    public Integer call() {
        if (!Files.isDirectory(data)) {
            throw new UserError("data directory " + data + " does not exist; give the --data of a local simulation.");
        }
        List<VolumeStatus> volumes;
        try {
            volumes = SimulationDataDirectory.at(data).volumeStatus();
        } catch (IOException | DirectoryException | ExtentControlException e) {
            throw new UserError("cannot read the volumes of " + data + ": " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (volumes.isEmpty()) {
            out.println("no volumes in " + data + " (none in volumes/ and none in directory/EXTENT.CONTROL)");
            out.flush();
            return 0;
        }
        String format = "%-6s  %-6s  %-5s  %12s  %12s  %12s  %s%n";
        out.printf(Locale.ROOT, format, "VOLSER", "TYPE", "UNIT", "SIZE", "FREE", "LARGEST", "GROUPS");
        int problems = 0;
        for (VolumeStatus volume : volumes) {
            if (volume.space().isPresent()) {
                VolumeSpace space = volume.space().get();
                out.printf(Locale.ROOT, format, volume.volser(), space.volume().deviceType().directoryName(),
                        space.volume().deviceType() == org.clonefarm.platform.geometry.DeviceType.DASD_3390 ? "cyl" : "blk",
                        space.volume().size(), space.freeUnits(), space.largestFreeExtent(),
                        volume.groups().isEmpty() ? "-" : String.join(",", volume.groups()));
            } else {
                out.printf(Locale.ROOT, format, volume.volser(), "?", "?", "?", "?", "?", "-");
            }
            for (String problem : volume.problems()) {
                out.println("  " + volume.volser() + ": " + problem);
                problems++;
            }
        }
        out.flush();
        if (problems > 0) {
            throw new UserError(problems + " volume problem" + (problems == 1 ? "" : "s") + " in " + data
                    + " (listed above); declare each volume in directory/EXTENT.CONTROL with an image of its size.");
        }
        return 0;
    }
}
