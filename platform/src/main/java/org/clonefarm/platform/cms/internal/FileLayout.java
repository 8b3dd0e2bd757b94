package org.clonefarm.platform.cms.internal;

/**
 * Where a file's blocks are, as its FST records it. Immutable.
 *
 * @param origin FSTFOP: the single data block (level 0), the top pointer block, or 0 when empty
 * @param levels FSTNLVL: levels of pointer blocks
 * @param dataBlocks FSTADBC: data blocks, pointer blocks not counted
 * @param records FSTAIC: number of records
 */
public record FileLayout(long origin, int levels, long dataBlocks, long records) {
    /** The layout of a file with no records. */
    public static final FileLayout EMPTY = new FileLayout(0, 0, 0, 0);
}
