package org.clonefarm.platform.cms.internal;

import java.util.ArrayList;
import java.util.List;
import org.clonefarm.platform.cms.EdfFormatException;

/**
 * A pointer block of a V file: {@link VariablePointerEntry}s from the start, and in its last 4 bytes the
 * back pointer: the offset of its last used entry, ((n - 1) * 12). Stateless.
 */
public final class VariablePointerBlock {

    private VariablePointerBlock() {
    }

    /** Entries in one block, leaving the last 4 bytes for the back pointer. */
    public static int entriesPerBlock(int blockSize) {
        return (blockSize - 4) / VariablePointerEntry.LENGTH;
    }

    /** A block holding {@code entries} and the back pointer to the last of them. */
    public static byte[] encode(List<VariablePointerEntry> entries, int blockSize) {
        if (entries.isEmpty() || entries.size() > entriesPerBlock(blockSize)) {
            throw new IllegalArgumentException(entries.size() + " entries do not fit a V pointer block of " + blockSize);
        }
        byte[] block = new byte[blockSize];
        for (int i = 0; i < entries.size(); i++) {
            entries.get(i).encodeTo(block, i * VariablePointerEntry.LENGTH);
        }
        Bytes.put32(block, blockSize - 4, (long) (entries.size() - 1) * VariablePointerEntry.LENGTH);
        return block;
    }

    /**
     * The used entries of a block, as its back pointer counts them.
     *
     * @param what the structure's name for messages
     * @param blockNumber the block's number for messages
     * @throws EdfFormatException if the back pointer is not the offset of an entry, or an entry before
     *     it is the end marker
     */
    public static List<VariablePointerEntry> decode(byte[] block, String what, long blockNumber)
            throws EdfFormatException {
        long last = Bytes.u32(block, block.length - 4);
        int capacity = entriesPerBlock(block.length);
        if (last % VariablePointerEntry.LENGTH != 0 || last / VariablePointerEntry.LENGTH >= capacity) {
            throw new EdfFormatException(what, blockNumber, "back pointer " + last
                    + " is not the offset of an entry (a multiple of 12 below " + capacity * VariablePointerEntry.LENGTH + ")");
        }
        int count = (int) (last / VariablePointerEntry.LENGTH) + 1;
        List<VariablePointerEntry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            VariablePointerEntry entry = VariablePointerEntry.decode(block, i * VariablePointerEntry.LENGTH);
            if (entry.block() == 0 && entry.lastRecord() == 0) {
                throw new EdfFormatException(what, blockNumber, "back pointer " + last + " says " + count
                        + " entries but entry " + (i + 1) + " is empty");
            }
            entries.add(entry);
        }
        return entries;
    }
}
