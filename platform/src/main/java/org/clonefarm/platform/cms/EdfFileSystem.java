package org.clonefarm.platform.cms;

import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.clonefarm.platform.cms.internal.AllocationMap;
import org.clonefarm.platform.cms.internal.Bytes;
import org.clonefarm.platform.cms.internal.EdfDisk;
import org.clonefarm.platform.cms.internal.EdfVolumeLabel;
import org.clonefarm.platform.cms.internal.FileLayout;
import org.clonefarm.platform.cms.internal.FileStatusTableEntry;
import org.clonefarm.platform.cms.internal.PointerTree;
import org.clonefarm.platform.cms.internal.PointerTree.FileBlocks;
import org.clonefarm.platform.cms.internal.RecordStream;
import org.clonefarm.platform.cms.internal.VariablePointerEntry;
import org.clonefarm.platform.io.FileRegion;

/**
 * A CMS EDF file system (the format of a CMS minidisk such as the 191 disk) on a region of an image
 * file or block device: format, list, read, write or replace, and erase files.
 *
 * <p>Images written here are laid out as the Linux cmsfs tools read them: CKD or FBA label position,
 * directory at block 4, the allocation map right after it, files as F or V record streams with
 * pointer blocks as deep as they need. Every structure read is checked before its data is used; a
 * damaged image raises {@link EdfFormatException} naming the structure and block, never wrong data.
 *
 * <p>Writes keep the disk consistent at every step a crash could stop: new blocks are written and
 * marked used in the allocation map before the directory refers to them, and blocks a replaced or
 * erased file held are freed only after the directory no longer does. A crash can leak blocks, never
 * lose a file or share a block between two.
 *
 * <p>Not thread-safe, and one writer per disk: the directory and allocation map are held in memory
 * from {@link #open} on, so two instances (or processes) writing the same disk corrupt it. Readers of
 * a disk nobody writes (a 191 disk linked read-only) may run in any number.
 */
public final class EdfFileSystem implements Closeable {

    /** ADTDOP of disks formatted here: blocks 1 to 3 hold the IPL records and the label. */
    public static final int DIRECTORY_ORIGIN = 4;

    private static final int[] BLOCK_SIZES = {512, 1024, 2048, 4096};
    private static final int[] CKD_BLOCKS_PER_TRACK = {49, 33, 21, 12};
    private static final int TRACKS_PER_CYLINDER = 15;

    private final EdfDisk disk;
    private final boolean writable;
    private final Clock clock;
    private final DiskLayout layout;
    private final long labelOffset;
    private final EdfVolumeLabel label;
    private long usedBlocks;
    private final FileStatusTableEntry allocationMapEntry;
    private final List<Long> allocationMapBlocks;
    private final AllocationMap map;
    private final List<FileStatusTableEntry> files;
    private List<Long> directoryBlocks;
    private List<Long> directoryPointerBlocks;

    private EdfFileSystem(EdfDisk disk, boolean writable, Clock clock) throws IOException {
        this.disk = disk;
        this.writable = writable;
        this.clock = clock;
        long[] found = findLabel(disk);
        this.layout = found[0] == 0 ? DiskLayout.CKD : DiskLayout.FBA;
        this.labelOffset = found[1];
        int probedBlockSize = (int) found[2];
        long labelBlock = labelOffset / probedBlockSize + 1;
        this.label = EdfVolumeLabel.decode(disk.read(labelOffset, EdfVolumeLabel.LENGTH), 0, labelBlock,
                disk.length() / probedBlockSize);
        this.usedBlocks = label.usedBlocks();
        int blockSize = label.blockSize();
        long total = label.totalBlocks();
        int origin = label.directoryOrigin();
        disk.useBlocks(blockSize, total, origin);

        byte[] first = disk.readBlock(origin, "volume label (ADTDOP)", labelBlock);
        FileStatusTableEntry directory = FileStatusTableEntry.decode(first, 0);
        if (!directory.isDirectory()) {
            throw new EdfFormatException("directory", origin, "the first FST is not the DIRECTOR entry");
        }
        directory.check("FST of the directory", origin, total);
        if (directory.recordFormat() != RecordFormat.F || directory.lrecl() != FileStatusTableEntry.LENGTH
                || directory.records() < 2) {
            throw new EdfFormatException("FST of the directory", origin, "the directory must be an F 64 file of at least"
                    + " 2 records, it is " + directory.recordFormat() + " " + directory.lrecl() + " with "
                    + directory.records() + " records");
        }
        FileBlocks directoryFile = PointerTree.walk(disk, directory, "the directory", origin, null);
        this.directoryBlocks = new ArrayList<>();
        for (VariablePointerEntry entry : directoryFile.data()) {
            if (entry.block() == 0) {
                throw new EdfFormatException("pointer block of the directory", directory.origin(),
                        "a directory block is a null block");
            }
            directoryBlocks.add(entry.block());
        }
        if (directoryBlocks.get(0) != origin) {
            throw new EdfFormatException("FST of the directory", origin, "the directory's first data block is "
                    + directoryBlocks.get(0) + ", not ADTDOP " + origin);
        }
        this.directoryPointerBlocks = new ArrayList<>(directoryFile.pointerBlocks());
        byte[] entries = PointerTree.readData(disk, directoryFile.data(), "the directory");

        this.allocationMapEntry = FileStatusTableEntry.decode(entries, FileStatusTableEntry.LENGTH);
        if (!allocationMapEntry.isAllocationMap()) {
            throw new EdfFormatException("directory", origin, "the second FST is not the ALLOCMAP entry");
        }
        allocationMapEntry.check("FST of the allocation map", origin, total);
        FileBlocks mapFile = PointerTree.walk(disk, allocationMapEntry, "the allocation map", origin, null);
        this.allocationMapBlocks = new ArrayList<>();
        for (VariablePointerEntry entry : mapFile.data()) {
            if (entry.block() == 0) {
                throw new EdfFormatException("pointer block of the allocation map", allocationMapEntry.origin(),
                        "an allocation map block is a null block");
            }
            allocationMapBlocks.add(entry.block());
        }
        byte[] bits = PointerTree.readData(disk, mapFile.data(), "the allocation map");
        if ((long) bits.length * 8 < total) {
            throw new EdfFormatException("allocation map", allocationMapEntry.origin(), "holds " + bits.length * 8L
                    + " bits, fewer than the " + total + " blocks of the disk");
        }
        this.map = new AllocationMap(total, bits);
        List<Long> metadata = new ArrayList<>(directoryFile.allBlocks());
        metadata.addAll(mapFile.allBlocks());
        for (long block : metadata) {
            if (!map.isUsed(block)) {
                throw new EdfFormatException("allocation map", allocationMapEntry.origin(), "block " + block
                        + " of the directory or the map itself is marked free");
            }
        }

        this.files = new ArrayList<>();
        for (int i = 2; i < directory.records(); i++) {
            int offset = i * FileStatusTableEntry.LENGTH;
            if (FileStatusTableEntry.isUnusedSlot(entries, offset)) {
                continue;
            }
            FileStatusTableEntry fst = FileStatusTableEntry.decode(entries, offset);
            long block = directoryBlocks.get(offset / blockSize);
            fst.check("FST " + (i + 1) + " (" + fst.displayName() + ")", block, total);
            fst.fileId(block);
            files.add(fst);
        }
    }

    /** Opens the CMS disk on {@code region} for reading only. */
    public static EdfFileSystem open(FileRegion region) throws IOException {
        return open(region, false, Clock.systemDefaultZone());
    }

    /** Opens the CMS disk on {@code region} for reading and writing. */
    public static EdfFileSystem openForUpdate(FileRegion region) throws IOException {
        return open(region, true, Clock.systemDefaultZone());
    }

    /**
     * Opens the CMS disk on {@code region}.
     *
     * @param clock the clock for file dates (local time, as CMS stores them)
     * @throws EdfFormatException if the region holds no valid CMS EDF file system
     * @throws IOException if the image cannot be read
     */
    public static EdfFileSystem open(FileRegion region, boolean writable, Clock clock) throws IOException {
        Objects.requireNonNull(clock, "clock");
        EdfDisk disk = new EdfDisk(region, writable);
        try {
            return new EdfFileSystem(disk, writable, clock);
        } catch (IOException | RuntimeException e) {
            try {
                disk.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** Formats with the system clock; see {@link #format(FileRegion, int, DiskLayout, String, Clock)}. */
    public static EdfFileSystem format(FileRegion region, int blockSize, DiskLayout diskLayout, String volumeLabel)
            throws IOException {
        return format(region, blockSize, diskLayout, volumeLabel, Clock.systemDefaultZone());
    }

    /**
     * Writes an empty CMS EDF file system on the whole region (like CMS {@code FORMAT}) and opens it
     * for update. Every earlier file on the region is lost.
     *
     * @param blockSize 512, 1024, 2048 or 4096
     * @param diskLayout CKD (label in block 3) or FBA (label at byte 512)
     * @param volumeLabel 1 to 6 characters of A-Z 0-9 $ # @ + - : _ ,
     * @throws IllegalArgumentException if a parameter is invalid or the region is too small
     */
    public static EdfFileSystem format(FileRegion region, int blockSize, DiskLayout diskLayout, String volumeLabel,
            Clock clock) throws IOException {
        if (!EdfVolumeLabel.validBlockSize(blockSize)) {
            throw new IllegalArgumentException("block size " + blockSize + " is not 512, 1024, 2048 or 4096");
        }
        String volumeId = checkVolumeLabel(volumeLabel);
        try (EdfDisk disk = new EdfDisk(region, true)) {
            long total = disk.length() / blockSize;
            if (total > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("region " + region + " holds " + total
                        + " blocks; a CMS disk has at most 4294967295");
            }
            long mapBlocks = AllocationMap.blocksFor(total, blockSize);
            long minimum = DIRECTORY_ORIGIN + mapBlocks + PointerTree.pointerBlocksFor(mapBlocks, RecordFormat.F, blockSize) + 1;
            if (total < minimum) {
                throw new IllegalArgumentException("region " + region + " holds " + total + " blocks of " + blockSize
                        + " bytes; a CMS disk needs at least " + minimum);
            }
            disk.useBlocks(blockSize, total, DIRECTORY_ORIGIN);
            disk.write(0, new byte[(DIRECTORY_ORIGIN - 1) * blockSize]);
            AllocationMap map = new AllocationMap(total, new byte[Math.toIntExact(mapBlocks * blockSize)]);
            for (long block = 1; block <= DIRECTORY_ORIGIN; block++) {
                map.markUsed(block);
            }
            List<VariablePointerEntry> mapData = new ArrayList<>();
            for (long block : map.allocate(mapBlocks)) {
                mapData.add(new VariablePointerEntry(block, 0, 0));
            }
            LocalDateTime now = LocalDateTime.now(clock).withNano(0);
            FileLayout mapLayout = PointerTree.build(disk, map, RecordFormat.F, mapData, mapBlocks, new ArrayList<>());
            FileStatusTableEntry mapEntry = FileStatusTableEntry.forAllocationMap(blockSize, mapLayout, now);
            FileStatusTableEntry directory = FileStatusTableEntry.forDirectory(
                    new FileLayout(DIRECTORY_ORIGIN, 0, 1, 2), now);
            byte[] directoryBlock = new byte[blockSize];
            System.arraycopy(directory.encode(blockSize), 0, directoryBlock, 0, FileStatusTableEntry.LENGTH);
            System.arraycopy(mapEntry.encode(blockSize), 0, directoryBlock, FileStatusTableEntry.LENGTH,
                    FileStatusTableEntry.LENGTH);
            disk.writeBlock(DIRECTORY_ORIGIN, directoryBlock);
            writeMap(disk, map, mapData.stream().map(VariablePointerEntry::block).toList());
            int cylinders = diskLayout == DiskLayout.CKD
                    ? (int) (total / (TRACKS_PER_CYLINDER * (long) CKD_BLOCKS_PER_TRACK[Arrays.binarySearch(BLOCK_SIZES, blockSize)]))
                    : 0;
            EdfVolumeLabel newLabel = new EdfVolumeLabel(volumeId, 0, blockSize, DIRECTORY_ORIGIN, cylinders, cylinders,
                    total, map.usedBlocks(), now, 0, 0, 0, 0);
            disk.write(diskLayout.labelOffset(blockSize), newLabel.encode());
            disk.force();
        }
        return open(region, true, clock);
    }

    /** What the volume label says. */
    public EdfVolume volume() {
        return new EdfVolume(label.volumeId(), layout, label.blockSize(), label.totalBlocks(), usedBlocks,
                label.created());
    }

    /** The files on the disk, in directory order. */
    public List<CmsFile> list() throws EdfFormatException {
        List<CmsFile> result = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            FileStatusTableEntry fst = files.get(i);
            result.add(new CmsFile(fst.fileId(fstBlock(i)), fst.recordFormat(), fst.lrecl(), fst.records(),
                    fst.dataBlocks(), fst.levels(), fst.written()));
        }
        return result;
    }

    /** Whether a file with this name and type is on the disk. */
    public boolean exists(CmsFileId id) {
        return indexOf(id) >= 0;
    }

    /**
     * Reads every record of a file (F records with their padding, as stored).
     *
     * @throws CmsFileNotFoundException if there is no such file
     * @throws EdfFormatException if the file's pointers or data are damaged
     */
    public List<byte[]> readRecords(CmsFileId id) throws IOException {
        int index = require(id);
        FileStatusTableEntry fst = files.get(index);
        String what = fst.displayName();
        FileBlocks blocks = PointerTree.walk(disk, fst, what, fstBlock(index), map::isUsed);
        byte[] data = PointerTree.readData(disk, blocks.data(), what);
        if (fst.recordFormat() == RecordFormat.F) {
            return RecordStream.decodeFixed(data, fst.records(), fst.lrecl());
        }
        return RecordStream.decodeVariable(data, fst.records(), fst.lrecl(), fst.levels() > 0 ? blocks.data() : null,
                label.blockSize(), what, fstBlock(index));
    }

    /** Reads every record of a file as text (EBCDIC 1047, see {@link Ebcdic}). */
    public List<String> readLines(CmsFileId id) throws IOException {
        List<String> lines = new ArrayList<>();
        for (byte[] record : readRecords(id)) {
            lines.add(Ebcdic.decode(record));
        }
        return lines;
    }

    /**
     * Writes a file, replacing one of the same name and type.
     *
     * @param format F or V
     * @param lrecl F: the record length, 1 to 65535, which every record must have; V: ignored (the
     *     FST records the longest record)
     * @param records the records; V records are 1 to 65535 bytes
     * @throws CmsDiskFullException if the disk lacks the blocks; nothing is changed then
     * @throws IllegalArgumentException if a record does not fit the format
     */
    public void write(CmsFileId id, RecordFormat format, int lrecl, List<byte[]> records) throws IOException {
        requireWritable();
        Objects.requireNonNull(format, "format");
        int blockSize = label.blockSize();
        RecordStream.Encoded encoded;
        if (format == RecordFormat.F) {
            if (lrecl < 1 || lrecl > 65535) {
                throw new IllegalArgumentException("LRECL " + lrecl + " of " + id + " is not 1 to 65535");
            }
            encoded = RecordStream.encodeFixed(records, lrecl);
        } else {
            encoded = RecordStream.encodeVariable(records);
        }
        long dataBlocks = (encoded.bytes().length + blockSize - 1) / blockSize;
        int existing = indexOf(id);
        long directoryEntries = files.size() + 2L + (existing < 0 ? 1 : 0);
        long directoryNeeded = (directoryEntries * FileStatusTableEntry.LENGTH + blockSize - 1) / blockSize;
        long needed = dataBlocks + PointerTree.pointerBlocksFor(dataBlocks, format, blockSize)
                + Math.max(0, directoryNeeded - directoryBlocks.size())
                + PointerTree.pointerBlocksFor(directoryNeeded, RecordFormat.F, blockSize);
        if (map.freeBlocks() < needed) {
            throw new CmsDiskFullException(disk.describe(), needed, map.freeBlocks());
        }
        List<Long> old = existing >= 0 ? blocksToFree(existing) : List.of();

        List<Long> blocks = map.allocate(dataBlocks);
        byte[] bytes = encoded.bytes();
        for (int i = 0; i < blocks.size(); i++) {
            byte[] block = new byte[blockSize];
            System.arraycopy(bytes, i * blockSize, block, 0, Math.min(blockSize, bytes.length - i * blockSize));
            disk.writeBlock(blocks.get(i), block);
        }
        List<VariablePointerEntry> entries = new ArrayList<>();
        if (format == RecordFormat.F) {
            for (long block : blocks) {
                entries.add(new VariablePointerEntry(block, 0, 0));
            }
        } else {
            List<VariablePointerEntry> computed = RecordStream.variableEntries(encoded.headerStarts(), bytes.length,
                    blockSize);
            for (int i = 0; i < blocks.size(); i++) {
                entries.add(computed.get(i).at(blocks.get(i)));
            }
        }
        FileLayout fileLayout = PointerTree.build(disk, map, format, entries, records.size(), new ArrayList<>());
        LocalDateTime now = now();
        FileStatusTableEntry fst = FileStatusTableEntry.forFile(id, format, encoded.lrecl(), fileLayout, now);
        if (existing >= 0) {
            files.set(existing, fst);
        } else {
            files.add(fst);
        }
        rewriteDirectory(now);
        for (long block : old) {
            map.free(block);
        }
        commit();
    }

    /** Writes text lines as records (EBCDIC 1047); F records are padded with blanks to LRECL. */
    public void writeLines(CmsFileId id, RecordFormat format, int lrecl, List<String> lines) throws IOException {
        List<byte[]> records = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            byte[] text;
            try {
                text = Ebcdic.encode(lines.get(i));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage(), e);
            }
            if (format == RecordFormat.F) {
                if (text.length > lrecl) {
                    throw new IllegalArgumentException("line " + (i + 1) + " is " + text.length
                            + " characters, longer than LRECL " + lrecl);
                }
                byte[] padded = new byte[lrecl];
                Arrays.fill(padded, Ebcdic.BLANK);
                System.arraycopy(text, 0, padded, 0, text.length);
                text = padded;
            }
            records.add(text);
        }
        write(id, format, lrecl, records);
    }

    /**
     * Erases a file and frees its blocks. A file whose pointers are damaged is erased too, but its
     * blocks stay marked in use (leaked), because which blocks are really its own cannot be known.
     *
     * @return the number of blocks freed (0 for a damaged file)
     * @throws CmsFileNotFoundException if there is no such file
     */
    public long erase(CmsFileId id) throws IOException {
        requireWritable();
        int index = require(id);
        List<Long> old = blocksToFree(index);
        files.remove(index);
        rewriteDirectory(now());
        for (long block : old) {
            map.free(block);
        }
        commit();
        return old.size();
    }

    /** The blocks a file holds, or none when its pointers are damaged (they are leaked, never freed twice). */
    private List<Long> blocksToFree(int index) throws IOException {
        FileStatusTableEntry fst = files.get(index);
        try {
            return PointerTree.walk(disk, fst, fst.displayName(), fstBlock(index), map::isUsed).allBlocks();
        } catch (EdfFormatException damaged) {
            return List.of();
        }
    }

    @Override
    public void close() throws IOException {
        disk.close();
    }

    private void rewriteDirectory(LocalDateTime now) throws IOException {
        int blockSize = label.blockSize();
        long count = files.size() + 2L;
        long needed = (count * FileStatusTableEntry.LENGTH + blockSize - 1) / blockSize;
        List<Long> data = new ArrayList<>(directoryBlocks);
        if (data.size() < needed) {
            data.addAll(map.allocate(needed - data.size()));
        }
        List<Long> freed = new ArrayList<>(directoryPointerBlocks);
        while (data.size() > needed) {
            freed.add(data.remove(data.size() - 1));
        }
        List<VariablePointerEntry> entries = new ArrayList<>();
        for (long block : data) {
            entries.add(new VariablePointerEntry(block, 0, 0));
        }
        List<Long> pointers = new ArrayList<>();
        FileLayout directoryLayout = PointerTree.build(disk, map, RecordFormat.F, entries, count, pointers);
        FileStatusTableEntry directory = FileStatusTableEntry.forDirectory(directoryLayout, now);
        byte[] content = new byte[Math.toIntExact(needed * blockSize)];
        System.arraycopy(directory.encode(blockSize), 0, content, 0, FileStatusTableEntry.LENGTH);
        System.arraycopy(allocationMapEntry.encode(blockSize), 0, content, FileStatusTableEntry.LENGTH,
                FileStatusTableEntry.LENGTH);
        for (int i = 0; i < files.size(); i++) {
            System.arraycopy(files.get(i).encode(blockSize), 0, content, (i + 2) * FileStatusTableEntry.LENGTH,
                    FileStatusTableEntry.LENGTH);
        }
        // new data, pointer and directory blocks are written and marked used, durably, before the directory
        // refers to them; and the directory is durable before any block it no longer refers to is freed
        writeMap(disk, map, allocationMapBlocks);
        disk.force();
        for (int i = 0; i < data.size(); i++) {
            disk.writeBlock(data.get(i), Arrays.copyOfRange(content, i * blockSize, (i + 1) * blockSize));
        }
        disk.force();
        for (long block : freed) {
            map.free(block);
        }
        directoryBlocks = data;
        directoryPointerBlocks = pointers;
    }

    /** Writes the allocation map and the label's used-block count, then forces the image. */
    private void commit() throws IOException {
        writeMap(disk, map, allocationMapBlocks);
        usedBlocks = map.usedBlocks();
        byte[] labelBytes = disk.read(labelOffset, EdfVolumeLabel.LENGTH);
        Bytes.put32(labelBytes, EdfVolumeLabel.ADTUSED, usedBlocks);
        disk.write(labelOffset, labelBytes);
        disk.force();
    }

    private static void writeMap(EdfDisk disk, AllocationMap map, List<Long> mapBlocks) throws IOException {
        byte[] bits = map.toBytes();
        int blockSize = disk.blockSize();
        for (int i = 0; i < mapBlocks.size(); i++) {
            disk.writeBlock(mapBlocks.get(i), Arrays.copyOfRange(bits, i * blockSize, (i + 1) * blockSize));
        }
    }

    private LocalDateTime now() {
        return LocalDateTime.now(clock).withNano(0);
    }

    private long fstBlock(int fileIndex) {
        return directoryBlocks.get((int) ((fileIndex + 2L) * FileStatusTableEntry.LENGTH / label.blockSize()));
    }

    private int indexOf(CmsFileId id) {
        for (int i = 0; i < files.size(); i++) {
            FileStatusTableEntry fst = files.get(i);
            if (fst.displayName().toUpperCase(Locale.ROOT).equals(id.name() + " " + id.type())) {
                return i;
            }
        }
        return -1;
    }

    private int require(CmsFileId id) throws CmsFileNotFoundException {
        int index = indexOf(id);
        if (index < 0) {
            throw new CmsFileNotFoundException(id, disk.describe());
        }
        return index;
    }

    private void requireWritable() {
        if (!writable) {
            throw new IllegalStateException("CMS disk " + disk.describe() + " is open read-only");
        }
    }

    private static String checkVolumeLabel(String volumeLabel) {
        Objects.requireNonNull(volumeLabel, "volumeLabel");
        if (volumeLabel.isEmpty() || volumeLabel.length() > 6) {
            throw new IllegalArgumentException("volume label '" + volumeLabel + "' must be 1 to 6 characters");
        }
        // the same characters as file names
        return CmsFileId.of(volumeLabel, "LABEL").name();
    }

    /**
     * Finds the label: CKD positions (byte 2 * blocksize, for each block size) first, then FBA (byte 512).
     *
     * @return {layout (0 CKD, 1 FBA), label offset, block size the label claims}
     */
    private static long[] findLabel(EdfDisk disk) throws IOException {
        for (int blockSize : BLOCK_SIZES) {
            long offset = DiskLayout.CKD.labelOffset(blockSize);
            if (offset + EdfVolumeLabel.LENGTH <= disk.length()) {
                byte[] bytes = disk.read(offset, EdfVolumeLabel.LENGTH);
                if (EdfVolumeLabel.hasIdentifier(bytes, 0) && Bytes.s32(bytes, EdfVolumeLabel.ADTDBSIZ) == blockSize) {
                    return new long[] {0, offset, blockSize};
                }
            }
        }
        long fba = DiskLayout.FBA.labelOffset(512);
        if (fba + EdfVolumeLabel.LENGTH <= disk.length()) {
            byte[] bytes = disk.read(fba, EdfVolumeLabel.LENGTH);
            if (EdfVolumeLabel.hasIdentifier(bytes, 0)) {
                long size = Bytes.u32(bytes, EdfVolumeLabel.ADTDBSIZ);
                if (!EdfVolumeLabel.validBlockSize(size)) {
                    EdfVolumeLabel.decode(bytes, 0, 2, -1); // throws, naming the bad block size
                }
                return new long[] {1, fba, size};
            }
        }
        for (int blockSize : BLOCK_SIZES) {
            long offset = DiskLayout.CKD.labelOffset(blockSize);
            if (offset + EdfVolumeLabel.LENGTH <= disk.length()) {
                byte[] bytes = disk.read(offset, EdfVolumeLabel.LENGTH);
                if (EdfVolumeLabel.hasIdentifier(bytes, 0)) {
                    throw new EdfFormatException("volume label", 3, "the CMS1 label at byte " + offset
                            + " gives block size ADTDBSIZ " + Bytes.s32(bytes, EdfVolumeLabel.ADTDBSIZ)
                            + ", but a label at that byte belongs to a disk of " + blockSize + "-byte blocks");
                }
            }
        }
        throw new EdfFormatException("volume label", EdfFormatException.NO_BLOCK, "no CMS1 label at byte 1024, 2048, "
                + "4096 or 8192 (CKD) or 512 (FBA) of " + disk.describe() + ": the minidisk is not CMS formatted");
    }
}
