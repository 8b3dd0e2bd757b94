package org.clonefarm.platform.geometry;

import java.util.Locale;
import java.util.Optional;

/**
 * The DASD device types a minidisk or volume can have, with the unit extents are counted in and
 * what one unit is in bytes. A V-DISK is an {@link #FB_512} minidisk that lives in CP storage
 * rather than on a volume; it is not a device type of its own.
 */
public enum DeviceType {
    /** CKD 3390: extents in cylinders, {@link Dasd3390#BYTES_PER_CYLINDER} bytes each. */
    DASD_3390("3390", "cylinder", Dasd3390.BYTES_PER_CYLINDER, Dasd3390.FIRST_ALLOCATABLE_CYLINDER, Dasd3390.MAX_CYLINDERS),
    /** FBA: extents in 512-byte blocks. */
    FB_512("FB-512", "block", Fba.BLOCK_SIZE, Fba.FIRST_ALLOCATABLE_BLOCK, Fba.MAX_BLOCKS);

    private final String directoryName;
    private final String unit;
    private final long bytesPerUnit;
    private final long firstAllocatableUnit;
    private final long maxUnits;

    DeviceType(String directoryName, String unit, long bytesPerUnit, long firstAllocatableUnit, long maxUnits) {
        this.directoryName = directoryName;
        this.unit = unit;
        this.bytesPerUnit = bytesPerUnit;
        this.firstAllocatableUnit = firstAllocatableUnit;
        this.maxUnits = maxUnits;
    }

    /** The name in a directory MDISK statement: {@code 3390} or {@code FB-512}. */
    public String directoryName() {
        return directoryName;
    }

    /** The unit an extent is counted in: {@code cylinder} or {@code block}. */
    public String unit() {
        return unit;
    }

    /** The unit's plural with a count, e.g. {@code 1 cylinder}, {@code 1800 cylinders}. */
    public String units(long count) {
        return count + " " + unit + (count == 1 ? "" : "s");
    }

    /** Bytes of one unit in the simulation (the one mapping: {@link Dasd3390}, {@link Fba}). */
    public long bytesPerUnit() {
        return bytesPerUnit;
    }

    /** Bytes of {@code units} units. */
    public long toBytes(long units) {
        if (units < 0) {
            throw new IllegalArgumentException(unit + " count must be at least 0, got " + units);
        }
        return Math.multiplyExact(units, bytesPerUnit);
    }

    /** The first unit of a volume that may be allocated (cylinder 1, block 32). */
    public long firstAllocatableUnit() {
        return firstAllocatableUnit;
    }

    /** The largest volume size accepted, in units. */
    public long maxUnits() {
        return maxUnits;
    }

    /**
     * The device type a directory or EXTENT CONTROL names: {@code 3390}, {@code 3390-09} (any
     * capacity suffix), {@code FB-512}, {@code FBA} or {@code 9336}; empty when unknown.
     */
    public static Optional<DeviceType> byName(String text) {
        String t = text.toUpperCase(Locale.ROOT);
        if (t.equals("3390") || t.startsWith("3390-")) {
            return Optional.of(DASD_3390);
        }
        if (t.equals("FB-512") || t.startsWith("FB-512-") || t.equals("FBA") || t.equals("9336") || t.startsWith("9336-")) {
            return Optional.of(FB_512);
        }
        return Optional.empty();
    }
}
