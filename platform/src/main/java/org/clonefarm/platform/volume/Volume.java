package org.clonefarm.platform.volume;

import java.util.Objects;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Volser;

/**
 * A DASD volume: its serial, device type and size in units (cylinders or blocks). The units from
 * {@link #firstAllocatableUnit()} to the end may hold minidisks; what comes before (cylinder 0 of a
 * 3390, the first blocks of an FBA volume) is never allocated. Immutable and thread-safe.
 *
 * @param volser the volume serial
 * @param deviceType 3390 or FB-512
 * @param size capacity in units, more than the first allocatable unit
 */
public record Volume(Volser volser, DeviceType deviceType, long size) {

    public Volume {
        Objects.requireNonNull(volser, "volser");
        Objects.requireNonNull(deviceType, "deviceType");
        if (size <= deviceType.firstAllocatableUnit() || size > deviceType.maxUnits()) {
            throw new IllegalArgumentException("volume " + volser + " of " + deviceType.units(size) + " is outside the "
                    + deviceType.directoryName() + " range " + (deviceType.firstAllocatableUnit() + 1) + "-" + deviceType.maxUnits());
        }
    }

    /** Capacity in bytes, as the simulation's image file holds it. */
    public long sizeBytes() {
        return deviceType.toBytes(size);
    }

    /** The first unit a minidisk may start at. */
    public long firstAllocatableUnit() {
        return deviceType.firstAllocatableUnit();
    }

    /** The units a minidisk may use: from {@link #firstAllocatableUnit()} to the end. */
    public Extent allocatableExtent() {
        return new Extent(volser, deviceType, firstAllocatableUnit(), size - firstAllocatableUnit());
    }

    /** Whether {@code extent} lies on this volume, inside its size. */
    public boolean contains(Extent extent) {
        return extent.volser().equals(volser) && extent.end() <= size;
    }

    @Override
    public String toString() {
        return volser + " " + deviceType.directoryName() + " " + deviceType.units(size);
    }
}
