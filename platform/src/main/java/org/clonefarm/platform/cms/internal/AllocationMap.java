package org.clonefarm.platform.cms.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The ALLOCMAP file's content: one bit per block, most significant bit first; bit k is block k + 1;
 * 1 = in use. Bits past the disk's last block stay 0 and are never handed out.
 *
 * <p>Not thread-safe: owned by one {@code EdfFileSystem}.
 */
public final class AllocationMap {
    private final long totalBlocks;
    private final byte[] bits;
    private long searchFrom = 1;
    private long used;

    /**
     * @param totalBlocks ADTNUM
     * @param bits the map's bytes (the data blocks of ALLOCMAP, concatenated); at least totalBlocks / 8
     */
    public AllocationMap(long totalBlocks, byte[] bits) {
        if ((long) bits.length * 8 < totalBlocks) {
            throw new IllegalArgumentException("a map of " + bits.length + " bytes cannot hold " + totalBlocks + " blocks");
        }
        this.totalBlocks = totalBlocks;
        this.bits = bits;
        for (long block = 1; block <= totalBlocks; block++) {
            if (isUsed(block)) {
                used++;
            }
        }
    }

    /** Map blocks needed for a disk of {@code totalBlocks} blocks of {@code blockSize}. */
    public static long blocksFor(long totalBlocks, int blockSize) {
        long bytes = (totalBlocks + 7) / 8;
        return (bytes + blockSize - 1) / blockSize;
    }

    public boolean isUsed(long block) {
        long bit = block - 1;
        return (bits[(int) (bit >>> 3)] & (0x80 >>> (bit & 7))) != 0;
    }

    /** Marks a block in use. */
    public void markUsed(long block) {
        check(block);
        if (isUsed(block)) {
            throw new IllegalStateException("block " + block + " is already in use");
        }
        long bit = block - 1;
        bits[(int) (bit >>> 3)] |= (byte) (0x80 >>> (bit & 7));
        used++;
    }

    /** Marks a block free. */
    public void free(long block) {
        check(block);
        if (!isUsed(block)) {
            throw new IllegalStateException("block " + block + " is already free");
        }
        long bit = block - 1;
        bits[(int) (bit >>> 3)] &= (byte) ~(0x80 >>> (bit & 7));
        used--;
        searchFrom = Math.min(searchFrom, block);
    }

    /**
     * Takes the lowest {@code count} free blocks and marks them used.
     *
     * @throws IllegalStateException if fewer are free (callers check {@link #freeBlocks()} first)
     */
    public List<Long> allocate(long count) {
        List<Long> blocks = new ArrayList<>();
        long block = searchFrom;
        while (blocks.size() < count) {
            if (block > totalBlocks) {
                for (long taken : blocks) {
                    free(taken);
                }
                throw new IllegalStateException("allocation map has fewer than " + count + " free blocks");
            }
            if (!isUsed(block)) {
                markUsed(block);
                blocks.add(block);
            }
            block++;
        }
        searchFrom = block;
        return blocks;
    }

    /** Blocks marked in use. */
    public long usedBlocks() {
        return used;
    }

    public long freeBlocks() {
        return totalBlocks - usedBlocks();
    }

    /** The map's bytes (a copy). */
    public byte[] toBytes() {
        return bits.clone();
    }

    private void check(long block) {
        if (block < 1 || block > totalBlocks) {
            throw new IllegalArgumentException("block " + block + " is outside the disk (1 to " + totalBlocks + ")");
        }
    }
}
