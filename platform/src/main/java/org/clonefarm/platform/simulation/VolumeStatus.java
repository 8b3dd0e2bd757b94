package org.clonefarm.platform.simulation;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.clonefarm.platform.allocation.VolumeSpace;
import org.clonefarm.platform.ids.Volser;

/**
 * One volume of a simulation data directory as {@code clonefarm zvm volumes} reports it. Immutable.
 *
 * @param volser the volume serial
 * @param image the image file ({@code <data>/volumes/<VOLSER>.img})
 * @param imageBytes the image's size, or -1 when it is missing
 * @param space its size and free space, when its device type is known
 * @param groups the EXTENT CONTROL groups with a region on it
 * @param problems what is wrong with it (missing image, size that does not match), empty when fine
 */
public record VolumeStatus(Volser volser, Path image, long imageBytes, Optional<VolumeSpace> space, List<String> groups,
        List<String> problems) {

    public VolumeStatus {
        groups = List.copyOf(groups);
        problems = List.copyOf(problems);
    }
}
