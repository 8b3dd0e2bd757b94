package org.clonefarm.platform.allocation;

import java.util.Objects;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.volume.Extent;
import org.clonefarm.platform.volume.Volume;

/**
 * A DirMaint region: a named range of one volume that minidisks may be allocated in. A region may
 * cover the whole volume or part of it, and regions are gathered into groups. Immutable.
 *
 * @param id the region's name (1-8 characters)
 * @param volume the volume it is on
 * @param start the first cylinder or block (never below the volume's first allocatable unit)
 * @param end the first unit after the region (at most the volume's size)
 * @param deviceTypeLabel the device type as EXTENT CONTROL writes it, e.g. {@code 3390-09}
 */
public record Region(String id, Volume volume, long start, long end, String deviceTypeLabel) {

    public Region {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(deviceTypeLabel, "deviceTypeLabel");
        if (start < volume.firstAllocatableUnit()) {
            throw new IllegalArgumentException("region " + id + " starts at " + start + " on " + volume.volser() + "; the first "
                    + volume.deviceType().unit() + " that may be allocated is " + volume.firstAllocatableUnit());
        }
        if (end > volume.size() || end <= start) {
            throw new IllegalArgumentException("region " + id + " (" + start + " to " + (end - 1) + ") does not fit in " + volume);
        }
    }

    /** The region's volume serial. */
    public Volser volser() {
        return volume.volser();
    }

    /** Units in the region. */
    public long size() {
        return end - start;
    }

    /** The region as an extent of its volume. */
    public Extent extent() {
        return new Extent(volume.volser(), volume.deviceType(), start, end - start);
    }
}
