package org.clonefarm.platform.cms.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongPredicate;
import org.clonefarm.platform.cms.EdfFormatException;
import org.clonefarm.platform.cms.RecordFormat;

/**
 * The pointer blocks that lead from a file's FSTFOP to its data blocks, level by level, in order.
 * Level 0: FSTFOP is the only data block. Level n: FSTFOP is a pointer block whose entries lead to
 * level n - 1. F files use {@link FixedPointerBlock}s, V files {@link VariablePointerBlock}s. Stateless.
 */
public final class PointerTree {

    /**
     * A file's blocks as found by a walk.
     *
     * @param data one entry per data block in file order; block 0 is a null block (zeros, not stored).
     *     For F files only the block numbers are meaningful.
     * @param pointerBlocks every pointer block of the tree
     */
    public record FileBlocks(List<VariablePointerEntry> data, List<Long> pointerBlocks) {
        /** Every stored block of the file: data (null blocks left out) and pointer blocks. */
        public List<Long> allBlocks() {
            List<Long> all = new ArrayList<>(pointerBlocks);
            for (VariablePointerEntry entry : data) {
                if (entry.block() != 0) {
                    all.add(entry.block());
                }
            }
            return all;
        }
    }

    private PointerTree() {
    }

    /** Entries per pointer block for a record format. */
    public static int entriesPerBlock(RecordFormat format, int blockSize) {
        return format == RecordFormat.F ? FixedPointerBlock.entriesPerBlock(blockSize)
                : VariablePointerBlock.entriesPerBlock(blockSize);
    }

    /** How many pointer blocks a tree over {@code dataBlocks} data blocks takes. */
    public static long pointerBlocksFor(long dataBlocks, RecordFormat format, int blockSize) {
        int perBlock = entriesPerBlock(format, blockSize);
        long total = 0;
        long level = dataBlocks;
        while (level > 1) {
            level = (level + perBlock - 1) / perBlock;
            total += level;
        }
        return total;
    }

    /**
     * Allocates and writes the pointer blocks over {@code data} (which must already be allocated).
     *
     * @param data one entry per data block, in order, with its record number and displacement (V)
     * @param records FSTAIC of the file
     * @param pointerBlocks receives the allocated pointer blocks
     * @return the layout for the FST
     */
    public static FileLayout build(EdfDisk disk, AllocationMap map, RecordFormat format,
            List<VariablePointerEntry> data, long records, List<Long> pointerBlocks) throws IOException {
        if (data.isEmpty()) {
            return FileLayout.EMPTY;
        }
        int perBlock = entriesPerBlock(format, disk.blockSize());
        List<VariablePointerEntry> level = data;
        int levels = 0;
        while (level.size() > 1) {
            List<VariablePointerEntry> next = new ArrayList<>();
            for (int from = 0; from < level.size(); from += perBlock) {
                List<VariablePointerEntry> chunk = level.subList(from, Math.min(level.size(), from + perBlock));
                long block = map.allocate(1).get(0);
                pointerBlocks.add(block);
                byte[] bytes;
                if (format == RecordFormat.F) {
                    long[] pointers = new long[chunk.size()];
                    for (int i = 0; i < pointers.length; i++) {
                        pointers[i] = chunk.get(i).block();
                    }
                    bytes = FixedPointerBlock.encode(pointers, disk.blockSize());
                } else {
                    bytes = VariablePointerBlock.encode(chunk, disk.blockSize());
                }
                disk.writeBlock(block, bytes);
                next.add(new VariablePointerEntry(block, chunk.get(chunk.size() - 1).lastRecord(),
                        chunk.get(0).displacement()));
            }
            level = next;
            levels++;
        }
        return new FileLayout(level.get(0).block(), levels, data.size(), records);
    }

    /**
     * Finds a file's data and pointer blocks from its FST, checking every pointer on the way.
     *
     * @param what the file's name for messages ("NAMES DATA")
     * @param fstBlock the directory block holding the FST, for messages
     * @param inUse the allocation map's answer whether a block is in use, or null while the map itself is
     *     read; a file block the map marks free is damage
     * @throws EdfFormatException on a pointer outside the disk, to a free block or to a block the file
     *     already uses, a V back pointer or record number that does not match, or block counts that do
     *     not match FSTAIC / FSTADBC
     */
    public static FileBlocks walk(EdfDisk disk, FileStatusTableEntry fst, String what, long fstBlock,
            LongPredicate inUse) throws IOException {
        Walk walk = new Walk(disk, what, inUse);
        List<VariablePointerEntry> data = walk.data;
        List<Long> pointers = walk.pointers;
        if (fst.records() == 0) {
            return new FileBlocks(data, pointers);
        }
        int blockSize = disk.blockSize();
        String fstName = "FST of " + what;
        if (fst.recordFormat() == RecordFormat.F) {
            long needed = ceilDiv(fst.records() * fst.lrecl(), blockSize);
            if (needed > disk.totalBlocks()) {
                throw new EdfFormatException(fstName, fstBlock, "record count mismatch: FSTAIC " + fst.records()
                        + " records of " + fst.lrecl() + " bytes need " + needed + " blocks, more than the disk's "
                        + disk.totalBlocks());
            }
            if (fst.levels() == 0) {
                if (needed > 1) {
                    throw new EdfFormatException(fstName, fstBlock, "record count mismatch: FSTAIC " + fst.records()
                            + " records of " + fst.lrecl() + " bytes need " + needed
                            + " blocks, but FSTNLVL 0 means one data block");
                }
                walk.claim(fst.origin(), fstName + " (FSTFOP)", fstBlock);
                data.add(new VariablePointerEntry(fst.origin(), fst.records(), 0));
            } else {
                long perBlock = FixedPointerBlock.entriesPerBlock(blockSize);
                if (Math.pow(perBlock, fst.levels()) < needed) {
                    throw new EdfFormatException(fstName, fstBlock, "record count mismatch: FSTAIC " + fst.records()
                            + " records need " + needed + " data blocks, more than " + fst.levels()
                            + " levels of pointer blocks can address");
                }
                walk.claim(fst.origin(), fstName + " (FSTFOP)", fstBlock);
                walk.fixed(fst.origin(), fst.levels(), needed);
            }
            if (data.get(data.size() - 1).block() == 0) {
                // CMS stores the block holding the last record; a null block there means FSTAIC counts
                // records that were never written
                throw new EdfFormatException(fstName, fstBlock, "record count mismatch: FSTAIC " + fst.records()
                        + " records of " + fst.lrecl() + " bytes end in data block " + needed
                        + ", which the pointer blocks do not hold");
            }
            long stored = data.stream().filter(entry -> entry.block() != 0).count();
            if (stored != fst.dataBlocks()) {
                throw new EdfFormatException(fstName, fstBlock, "record count mismatch: FSTAIC " + fst.records()
                        + " records of " + fst.lrecl() + " bytes fill " + needed + " blocks (" + stored
                        + " stored), but FSTADBC says " + fst.dataBlocks());
            }
        } else {
            walk.claim(fst.origin(), fstName + " (FSTFOP)", fstBlock);
            if (fst.levels() == 0) {
                data.add(new VariablePointerEntry(fst.origin(), fst.records(), 0));
            } else {
                long last = walk.variable(fst.origin(), fst.levels());
                if (last != fst.records()) {
                    throw new EdfFormatException("pointer block of " + what, fst.origin(), "record count mismatch: "
                            + "the last entry's record number " + last + " is not FSTAIC " + fst.records());
                }
            }
            if (data.size() != fst.dataBlocks()) {
                throw new EdfFormatException(fstName, fstBlock, "the pointer blocks lead to " + data.size()
                        + " data blocks, but FSTADBC says " + fst.dataBlocks());
            }
        }
        return new FileBlocks(data, pointers);
    }

    /** One walk over a file's pointer tree: the blocks seen so far, so none is used twice. */
    private static final class Walk {
        private final EdfDisk disk;
        private final String what;
        private final LongPredicate inUse;
        private final Set<Long> seen = new HashSet<>();
        final List<VariablePointerEntry> data = new ArrayList<>();
        final List<Long> pointers = new ArrayList<>();

        Walk(EdfDisk disk, String what, LongPredicate inUse) {
            this.disk = disk;
            this.what = what;
            this.inUse = inUse;
        }

        /** Checks a pointer: on the disk, marked in use, and not used twice by this file. */
        void claim(long block, String from, long fromBlock) throws EdfFormatException {
            disk.checkBlock(block, from, fromBlock);
            if (inUse != null && !inUse.test(block)) {
                throw new EdfFormatException(from, fromBlock, "points to block " + block
                        + ", which the allocation map marks free");
            }
            if (!seen.add(block)) {
                throw new EdfFormatException(from, fromBlock, "points to block " + block
                        + ", which the file already uses");
            }
        }

        void fixed(long block, int level, long needed) throws IOException {
            String name = "pointer block of " + what;
            byte[] bytes = disk.readBlock(block, name, block);
            pointers.add(block);
            long perBlock = FixedPointerBlock.entriesPerBlock(disk.blockSize());
            for (long pointer : FixedPointerBlock.decode(bytes)) {
                if (data.size() >= needed) {
                    return;
                }
                if (level == 1) {
                    if (pointer != 0) {
                        claim(pointer, name, block);
                    }
                    data.add(new VariablePointerEntry(pointer, 0, 0));
                } else if (pointer == 0) {
                    long nullBlocks = Math.min((long) Math.pow(perBlock, level - 1), needed - data.size());
                    for (long i = 0; i < nullBlocks; i++) {
                        data.add(new VariablePointerEntry(0, 0, 0));
                    }
                } else {
                    claim(pointer, name, block);
                    fixed(pointer, level - 1, needed);
                }
            }
        }

        long variable(long block, int level) throws IOException {
            String name = "pointer block of " + what;
            byte[] bytes = disk.readBlock(block, name, block);
            pointers.add(block);
            List<VariablePointerEntry> entries = VariablePointerBlock.decode(bytes, name, block);
            for (int i = 0; i < entries.size(); i++) {
                VariablePointerEntry entry = entries.get(i);
                if (level == 1) {
                    if (entry.block() != 0) {
                        claim(entry.block(), name, block);
                    }
                    data.add(entry);
                    if (data.size() > disk.totalBlocks()) {
                        throw new EdfFormatException(name, block, "the pointer blocks lead to more data blocks than the disk has");
                    }
                } else {
                    if (entry.block() == 0) {
                        throw new EdfFormatException(name, block, "entry " + (i + 1) + " of a level " + level
                                + " pointer block points to block 0");
                    }
                    claim(entry.block(), name, block);
                    long last = variable(entry.block(), level - 1);
                    if (last != entry.lastRecord()) {
                        throw new EdfFormatException(name, block, "entry " + (i + 1) + " says its blocks end with record "
                                + entry.lastRecord() + ", but the pointer block it leads to ends with record " + last);
                    }
                }
            }
            return entries.get(entries.size() - 1).lastRecord();
        }
    }

    /** Reads the data blocks into one array; null blocks read as zeros. */
    public static byte[] readData(EdfDisk disk, List<VariablePointerEntry> data, String what) throws IOException {
        long size = (long) data.size() * disk.blockSize();
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException("file " + what + " has " + data.size() + " blocks, too large to read into memory");
        }
        byte[] bytes = new byte[(int) size];
        for (int i = 0; i < data.size(); i++) {
            long block = data.get(i).block();
            if (block != 0) {
                System.arraycopy(disk.readBlock(block, "data block of " + what, block), 0, bytes,
                        i * disk.blockSize(), disk.blockSize());
            }
        }
        return bytes;
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
