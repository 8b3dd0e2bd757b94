package org.clonefarm.platform.volume;

import java.util.Objects;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Volser;

/**
 * A contiguous range of a volume: {@code size} cylinders (3390) or blocks (FB-512) from
 * {@code start}. Immutable and thread-safe.
 *
 * @param volser the volume
 * @param deviceType the volume's device type, which fixes the unit
 * @param start first unit, at least 0
 * @param size number of units, at least 1
 */
public record Extent(Volser volser, DeviceType deviceType, long start, long size) implements Comparable<Extent> {

    public Extent {
        Objects.requireNonNull(volser, "volser");
        Objects.requireNonNull(deviceType, "deviceType");
        if (start < 0) {
            throw new IllegalArgumentException("extent on " + volser + " must start at 0 or later, got " + start);
        }
        if (size < 1) {
            throw new IllegalArgumentException("extent on " + volser + " must have at least 1 " + deviceType.unit() + ", got " + size);
        }
        Math.addExact(start, size);
    }

    /** The first unit after the extent. */
    public long end() {
        return start + size;
    }

    /** The last unit of the extent (as DirMaint and CP print ranges). */
    public long last() {
        return start + size - 1;
    }

    /** Where the extent starts in its volume's bytes. */
    public long byteOffset() {
        return deviceType.toBytes(start);
    }

    /** The extent's length in bytes. */
    public long byteLength() {
        return deviceType.toBytes(size);
    }

    /** Whether this extent and {@code other} share at least one unit of the same volume. */
    public boolean overlaps(Extent other) {
        return volser.equals(other.volser) && start < other.end() && other.start < end();
    }

    /** Orders by volume, then start, then size. */
    @Override
    public int compareTo(Extent other) {
        int c = volser.compareTo(other.volser);
        if (c != 0) {
            return c;
        }
        c = Long.compare(start, other.start);
        return c != 0 ? c : Long.compare(size, other.size);
    }

    @Override
    public String toString() {
        return volser + " " + deviceType.directoryName() + " " + start + "-" + last() + " (" + deviceType.units(size) + ")";
    }
}
