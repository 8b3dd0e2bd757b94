package org.clonefarm.platform.cms;

/**
 * Where the volume label sits, which depends on the kind of device the minidisk is on.
 */
public enum DiskLayout {
    /** CKD (3390): blocks 1 and 2 are IPL records, the label is block 3, at byte 2 * blocksize. */
    CKD,
    /** FBA (FB-512, V-DISK): the label is at byte 512 whatever the block size. */
    FBA;

    /** Byte offset of the volume label inside the minidisk. */
    public long labelOffset(int blockSize) {
        return this == CKD ? 2L * blockSize : 512L;
    }
}
