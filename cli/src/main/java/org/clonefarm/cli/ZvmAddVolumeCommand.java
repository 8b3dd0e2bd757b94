package org.clonefarm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.clonefarm.platform.allocation.ExtentControlException;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.geometry.Model3390;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.platform.simulation.SimulationException;
import org.clonefarm.platform.volume.Volume;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clonefarm zvm add-volume VOLSER ...}: a new volume in a local simulation. */
@Command(
        name = "add-volume",
        mixinStandardHelpOptions = true,
        description = {
            "Add a volume to a local simulation.",
            "",
            "Creates a sparse image <data>/volumes/<VOLSER>.img of the volume's real size (737,280 bytes per 3390 "
                    + "cylinder, 512 per FB-512 block; it takes no disk space until written) and a whole-volume region in "
                    + "directory/EXTENT.CONTROL, in a group when --group is given."
        })
public final class ZvmAddVolumeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VOLSER", description = "The volume serial: 1-6 characters of A-Z 0-9 @ # $.")
    String volser;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Size size;

    static final class Size {
        @Option(names = "--model", paramLabel = "MODEL",
                description = "A 3390 model: 3390-01, -02, -03, -09, -27, -54, -32K (32,760 cyl) or -64K (65,520 cyl).")
        String model;

        @Option(names = "--cylinders", paramLabel = "N", description = "A 3390 of N cylinders (at least 2).")
        Long cylinders;

        @Option(names = "--blocks", paramLabel = "N", description = "An FB-512 volume of N 512-byte blocks (more than 32).")
        Long blocks;
    }

    @Option(names = "--group", paramLabel = "GROUP",
            description = "The EXTENT.CONTROL group whose minidisks may be allocated on it; omit for a volume nothing is allocated on"
                    + " (such as the master's).")
    String group;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "The local simulation data directory (created if it does not exist).")
    Path data;

    @Override
    public Integer call() {
        if (!Volser.isValid(volser.toUpperCase(java.util.Locale.ROOT))) {
            throw UserError.usage("'" + volser + "' is not a volume serial: use 1-6 characters of A-Z 0-9 @ # $.");
        }
        DeviceType type;
        long units;
        if (size.model != null) {
            Model3390 model = Model3390.byName(size.model).orElseThrow(() -> UserError.usage("'" + size.model
                    + "' is not a 3390 model: use 3390-01, -02, -03, -09, -27, -54, -32K or -64K."));
            type = DeviceType.DASD_3390;
            units = model.cylinders();
        } else if (size.cylinders != null) {
            type = DeviceType.DASD_3390;
            units = size.cylinders;
        } else {
            type = DeviceType.FB_512;
            units = size.blocks;
        }
        String groupName = group == null ? null : group.toUpperCase(java.util.Locale.ROOT);
        Volume volume;
        try {
            volume = SimulationDataDirectory.at(data).createVolume(Volser.of(volser), type, units, groupName);
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage() + ".");
        } catch (SimulationException e) {
            throw new UserError(e.getMessage() + ".", e);
        } catch (IOException | ExtentControlException e) {
            throw new UserError("cannot add volume " + volser + " to " + data + ": " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("added " + volume + " (" + volume.sizeBytes() + " bytes) as " + SimulationDataDirectory.at(data).volumeImage(volume.volser())
                + (groupName == null ? "" : " in group " + groupName));
        out.flush();
        return 0;
    }
}
