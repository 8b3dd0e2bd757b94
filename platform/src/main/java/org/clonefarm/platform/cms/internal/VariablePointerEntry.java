package org.clonefarm.platform.cms.internal;

/**
 * One 12-byte entry of a V file's pointer block. Immutable.
 *
 * <p>At level 1 it describes a data block: {@code lastRecord} is the number (1-based) of the last
 * record that starts in that block or, if none starts there, of the record that runs through it;
 * {@code displacement} is the offset in the block of the first record header that starts there (the
 * zero length that ends the file counts as a header), or {@link #NO_HEADER} when the block is all the
 * middle of one record. At higher levels it describes a lower pointer block: the last record of its
 * subtree and the displacement of its first data block. A data entry with block 0 and a non-zero
 * record number is a block of zeros that is not stored; block 0 with record 0 ends the list.
 *
 * @param block the block number, 0 for a null block
 * @param lastRecord number of the last record starting in (or running through) the block
 * @param displacement offset of the first record header in the block, or {@link #NO_HEADER}
 */
public record VariablePointerEntry(long block, long lastRecord, long displacement) {

    /** Size of one entry in bytes (FSTPTRSZ of V files). */
    public static final int LENGTH = 12;
    /** Displacement of a block in which no record header starts. */
    public static final long NO_HEADER = 0xFFFFFFFFL;

    /** Reads the entry at {@code offset}. */
    public static VariablePointerEntry decode(byte[] b, int offset) {
        return new VariablePointerEntry(Bytes.u32(b, offset), Bytes.u32(b, offset + 4), Bytes.u32(b, offset + 8));
    }

    /** Writes the entry at {@code offset}. */
    public void encodeTo(byte[] b, int offset) {
        Bytes.put32(b, offset, block);
        Bytes.put32(b, offset + 4, lastRecord);
        Bytes.put32(b, offset + 8, displacement);
    }

    /** The same entry for another block. */
    public VariablePointerEntry at(long otherBlock) {
        return new VariablePointerEntry(otherBlock, lastRecord, displacement);
    }
}
