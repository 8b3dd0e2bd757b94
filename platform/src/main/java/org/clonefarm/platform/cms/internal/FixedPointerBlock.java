package org.clonefarm.platform.cms.internal;

/**
 * A pointer block of an F file (and of the directory and allocation map, which are F files): block
 * size / 4 entries, each a 4-byte block number; 0 stands for a block of zeros that is not stored (a
 * null block). Entries past the file's last block are 0. Stateless.
 */
public final class FixedPointerBlock {

    /** Size of one entry in bytes (FSTPTRSZ of F files). */
    public static final int ENTRY_LENGTH = 4;

    private FixedPointerBlock() {
    }

    /** Entries in one block. */
    public static int entriesPerBlock(int blockSize) {
        return blockSize / ENTRY_LENGTH;
    }

    /** The block numbers of all entries, unused ones included (0). */
    public static long[] decode(byte[] block) {
        long[] pointers = new long[block.length / ENTRY_LENGTH];
        for (int i = 0; i < pointers.length; i++) {
            pointers[i] = Bytes.u32(block, i * ENTRY_LENGTH);
        }
        return pointers;
    }

    /** A block whose first entries are {@code pointers} and whose remaining entries are 0. */
    public static byte[] encode(long[] pointers, int blockSize) {
        if (pointers.length > entriesPerBlock(blockSize)) {
            throw new IllegalArgumentException(pointers.length + " pointers do not fit a block of " + blockSize);
        }
        byte[] block = new byte[blockSize];
        for (int i = 0; i < pointers.length; i++) {
            Bytes.put32(block, i * ENTRY_LENGTH, pointers[i]);
        }
        return block;
    }
}
