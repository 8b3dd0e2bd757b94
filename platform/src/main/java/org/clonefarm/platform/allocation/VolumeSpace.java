package org.clonefarm.platform.allocation;

import org.clonefarm.platform.volume.Volume;

/**
 * How much of a volume is free: the allocatable units (from cylinder 1 or block 32 to the end) not
 * used by any minidisk, and the largest run of them. Immutable.
 *
 * @param volume the volume
 * @param usedUnits allocatable units covered by minidisks
 * @param freeUnits allocatable units not covered
 * @param largestFreeExtent the longest run of free units
 */
public record VolumeSpace(Volume volume, long usedUnits, long freeUnits, long largestFreeExtent) {

    @Override
    public String toString() {
        var type = volume.deviceType();
        return volume.volser() + ": " + type.units(freeUnits) + " free of " + (freeUnits + usedUnits)
                + ", largest free extent " + type.units(largestFreeExtent);
    }
}
