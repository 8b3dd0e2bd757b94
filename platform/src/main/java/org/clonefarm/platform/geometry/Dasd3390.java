package org.clonefarm.platform.geometry;

/**
 * The geometry of an IBM 3390 (CKD) volume, and <b>the one place that says how a cylinder maps to
 * bytes</b> in this project.
 *
 * <p>Physical facts: 15 tracks per cylinder, 56,664 bytes of raw track capacity. Those raw bytes are
 * not what Linux sees: {@code dasdfmt} formats each track into fixed blocks, 12 blocks of 4 KiB per
 * track at the default block size (21 of 2 KiB, 33 of 1 KiB, 49 of 512 bytes, see
 * {@link CkdBlockSize}). A minidisk the worker copies is read and written through Linux, so a
 * cylinder is {@value #BYTES_PER_CYLINDER} bytes of data (15 x 12 x 4096); the local simulation uses
 * exactly that, so an extent of {@code n} cylinders is {@code n x 737,280} bytes of its volume image
 * and cylinder {@code c} starts at byte {@code c x 737,280}. (CDL formatting shortens the first two
 * tracks of a disk as Linux sees it; a minidisk copy moves whole cylinders of the underlying volume
 * in the simulation, so that detail stays inside the guest's partition table and does not change
 * the mapping.)
 *
 * <p>Stateless; thread-safe.
 */
public final class Dasd3390 {

    /** Tracks in one cylinder. */
    public static final int TRACKS_PER_CYLINDER = 15;

    /** Raw capacity of one track in bytes (unformatted, as the hardware counts it). */
    public static final int RAW_BYTES_PER_TRACK = 56_664;

    /** The block size the simulation formats with, as {@code dasdfmt -b 4096} does. */
    public static final int BLOCK_SIZE = 4096;

    /** 4 KiB blocks per track. */
    public static final int BLOCKS_PER_TRACK = CkdBlockSize.B4096.blocksPerTrack();

    /** 4 KiB blocks per cylinder: 180. */
    public static final int BLOCKS_PER_CYLINDER = TRACKS_PER_CYLINDER * BLOCKS_PER_TRACK;

    /** Data bytes per cylinder as Linux sees a 4 KiB-formatted 3390, and as the simulation maps it: 737,280. */
    public static final long BYTES_PER_CYLINDER = (long) BLOCKS_PER_CYLINDER * BLOCK_SIZE;

    /** Raw bytes per cylinder (15 x 56,664), for capacity figures only; never used to place data. */
    public static final long RAW_BYTES_PER_CYLINDER = (long) TRACKS_PER_CYLINDER * RAW_BYTES_PER_TRACK;

    /**
     * Cylinder 0 holds the volume label and CP's allocation map on a real volume; nothing is ever
     * allocated there.
     */
    public static final long FIRST_ALLOCATABLE_CYLINDER = 1;

    /** The largest cylinder count a 3390 volume may have here (an extended address volume's 1,182,006). */
    public static final long MAX_CYLINDERS = 1_182_006;

    private Dasd3390() {
    }

    /** Bytes of {@code cylinders} cylinders: {@code cylinders x 737,280}. */
    public static long cylindersToBytes(long cylinders) {
        if (cylinders < 0) {
            throw new IllegalArgumentException("cylinder count must be at least 0, got " + cylinders);
        }
        return Math.multiplyExact(cylinders, BYTES_PER_CYLINDER);
    }

    /** Whole cylinders needed to hold {@code bytes} bytes (rounded up). */
    public static long cylindersFor(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("byte count must be at least 0, got " + bytes);
        }
        return (bytes + BYTES_PER_CYLINDER - 1) / BYTES_PER_CYLINDER;
    }
}
