package org.clonefarm.platform.geometry;

/**
 * Fixed-block (FB-512) geometry: volumes and minidisks counted in 512-byte blocks, and the limits of
 * a V-DISK (an FB-512 minidisk in CP storage).
 *
 * <p>Stateless; thread-safe.
 */
public final class Fba {

    /** Bytes per FB-512 block. */
    public static final int BLOCK_SIZE = 512;

    /** The largest V-DISK, in blocks: 4,194,296 (just under 2 GiB). */
    public static final long VDISK_MAX_BLOCKS = 4_194_296;

    /**
     * Blocks at the start of an FBA volume that are never allocated: the volume label lives in block
     * 1 and CP keeps its allocation data near it. 32 blocks (16 KiB, a whole number of 4 KiB pages)
     * is this project's choice, the FBA counterpart of a 3390's cylinder 0; an EXTENT.CONTROL region
     * may start later still.
     */
    public static final long FIRST_ALLOCATABLE_BLOCK = 32;

    /** Largest FBA volume accepted here in blocks (2 TiB). */
    public static final long MAX_BLOCKS = 1L << 32;

    private Fba() {
    }

    /** Bytes of {@code blocks} 512-byte blocks. */
    public static long blocksToBytes(long blocks) {
        if (blocks < 0) {
            throw new IllegalArgumentException("block count must be at least 0, got " + blocks);
        }
        return Math.multiplyExact(blocks, BLOCK_SIZE);
    }

    /** Whether {@code blocks} is a size a V-DISK may have (1 to {@link #VDISK_MAX_BLOCKS}). */
    public static boolean isValidVdiskSize(long blocks) {
        return blocks >= 1 && blocks <= VDISK_MAX_BLOCKS;
    }
}
