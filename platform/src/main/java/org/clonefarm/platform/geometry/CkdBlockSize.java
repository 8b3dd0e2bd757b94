package org.clonefarm.platform.geometry;

/**
 * Block sizes Linux {@code dasdfmt} can format a 3390 track with, and how many blocks fit a track.
 * Only {@link #B4096} places data in this project (see {@link Dasd3390}); the others are here so a
 * capacity figure for another format can be computed rather than guessed.
 */
public enum CkdBlockSize {
    B512(512, 49),
    B1024(1024, 33),
    B2048(2048, 21),
    B4096(4096, 12);

    private final int bytes;
    private final int blocksPerTrack;

    CkdBlockSize(int bytes, int blocksPerTrack) {
        this.bytes = bytes;
        this.blocksPerTrack = blocksPerTrack;
    }

    /** Block size in bytes. */
    public int bytes() {
        return bytes;
    }

    /** Blocks per 3390 track at this block size. */
    public int blocksPerTrack() {
        return blocksPerTrack;
    }

    /** Data bytes per cylinder at this block size. */
    public long bytesPerCylinder() {
        return (long) bytes * blocksPerTrack * Dasd3390.TRACKS_PER_CYLINDER;
    }
}
