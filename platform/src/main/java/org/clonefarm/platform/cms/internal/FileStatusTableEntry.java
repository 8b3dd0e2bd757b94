package org.clonefarm.platform.cms.internal;

import java.time.LocalDateTime;
import java.util.Arrays;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.cms.Ebcdic;
import org.clonefarm.platform.cms.EdfFormatException;
import org.clonefarm.platform.cms.RecordFormat;

/**
 * A 64-byte file status table entry (FST): one directory record, describing one file. FST 0 of the
 * directory describes the directory itself (DIRECTOR), FST 1 the allocation map (ALLOCMAP). Immutable.
 *
 * <p>On encode the old fields that readers before EDF used (FSTDATEW/FSTTIMEW, FSTRECCT, FSTFCLPT,
 * FSTBLKCT, FSTYEARW) are derived from the new ones.
 */
public final class FileStatusTableEntry {

    /** Size of an FST in bytes. */
    public static final int LENGTH = 64;

    public static final int FSTFNAME = 0x00;
    public static final int FSTFTYPE = 0x08;
    public static final int FSTDATEW = 0x10;
    public static final int FSTTIMEW = 0x12;
    public static final int FSTWRPNT = 0x14;
    public static final int FSTRDPNT = 0x16;
    public static final int FSTFMODE = 0x18;
    public static final int FSTRECCT = 0x1A;
    public static final int FSTFCLPT = 0x1C;
    public static final int FSTRECFM = 0x1E;
    public static final int FSTFLAGS = 0x1F;
    public static final int FSTLRECL = 0x20;
    public static final int FSTBLKCT = 0x24;
    public static final int FSTYEARW = 0x26;
    public static final int FSTFOP = 0x28;
    public static final int FSTADBC = 0x2C;
    public static final int FSTAIC = 0x30;
    public static final int FSTNLVL = 0x34;
    public static final int FSTPTRSZ = 0x35;
    public static final int FSTADATI = 0x36;

    /** FSTFLAGS bit: the FSTADATI year is 20xx. */
    public static final int FLAG_CENTURY = 0x08;
    /** Deepest pointer tree we accept: 4 levels address 2^32 blocks even at 512-byte blocks. */
    public static final int MAX_LEVELS = 5;

    /** FSTFNAME of the directory's own entry. */
    public static final byte[] DIRECTORY_NAME = {0, 0, 0, 1, 0, 0, 0, 0};
    /** FSTFNAME of the allocation map's entry. */
    public static final byte[] ALLOCATION_MAP_NAME = {0, 0, 0, 2, 0, 0, 0, 0};
    /** FSTFTYPE "DIRECTOR". */
    public static final byte[] DIRECTORY_TYPE = Ebcdic.encode("DIRECTOR");
    /** FSTFTYPE "ALLOCMAP". */
    public static final byte[] ALLOCATION_MAP_TYPE = Ebcdic.encode("ALLOCMAP");

    private final byte[] name;
    private final byte[] type;
    private final String mode;
    private final RecordFormat recordFormat;
    private final int lrecl;
    private final long origin;
    private final long dataBlocks;
    private final long records;
    private final int levels;
    private final LocalDateTime written;
    private final int recordFormatCode;
    private final int pointerSize;

    /**
     * @param name FSTFNAME, 8 bytes
     * @param type FSTFTYPE, 8 bytes
     * @param mode FSTFMODE as text, e.g. "A1"
     * @param recordFormat FSTRECFM
     * @param lrecl FSTLRECL
     * @param origin FSTFOP: data block (level 0), top pointer block, or 0 for an empty file
     * @param dataBlocks FSTADBC
     * @param records FSTAIC
     * @param levels FSTNLVL
     * @param written FSTADATI, or null if unknown
     */
    public FileStatusTableEntry(byte[] name, byte[] type, String mode, RecordFormat recordFormat, int lrecl,
            long origin, long dataBlocks, long records, int levels, LocalDateTime written) {
        this.name = name.clone();
        this.type = type.clone();
        this.mode = mode;
        this.recordFormat = recordFormat;
        this.lrecl = lrecl;
        this.origin = origin;
        this.dataBlocks = dataBlocks;
        this.records = records;
        this.levels = levels;
        this.written = written;
        this.recordFormatCode = recordFormat == null ? 0 : recordFormat.code() & 0xFF;
        this.pointerSize = recordFormat == null ? 0 : recordFormat.pointerSize();
    }

    private FileStatusTableEntry(byte[] fst) {
        this.name = Arrays.copyOfRange(fst, FSTFNAME, FSTFNAME + 8);
        this.type = Arrays.copyOfRange(fst, FSTFTYPE, FSTFTYPE + 8);
        this.mode = Ebcdic.decode(fst, FSTFMODE, 2);
        this.recordFormat = RecordFormat.ofCode(fst[FSTRECFM]);
        this.lrecl = Bytes.s32(fst, FSTLRECL);
        this.origin = Bytes.u32(fst, FSTFOP);
        this.dataBlocks = Bytes.u32(fst, FSTADBC);
        this.records = Bytes.u32(fst, FSTAIC);
        this.levels = fst[FSTNLVL] & 0xFF;
        this.written = BcdTimestamp.decode(fst, FSTADATI, (fst[FSTFLAGS] & FLAG_CENTURY) != 0);
        this.recordFormatCode = fst[FSTRECFM] & 0xFF;
        this.pointerSize = fst[FSTPTRSZ] & 0xFF;
    }

    /** The FST of an ordinary file. */
    public static FileStatusTableEntry forFile(CmsFileId id, RecordFormat format, int lrecl, FileLayout layout,
            LocalDateTime written) {
        return new FileStatusTableEntry(Ebcdic.encode(String.format("%-8s", id.name())),
                Ebcdic.encode(String.format("%-8s", id.type())), id.mode(), format, lrecl, layout.origin(),
                layout.dataBlocks(), layout.records(), layout.levels(), written);
    }

    /** The directory's own FST (FST 0): an F 64 file of {@code files + 2} records. */
    public static FileStatusTableEntry forDirectory(FileLayout layout, LocalDateTime written) {
        return new FileStatusTableEntry(DIRECTORY_NAME, DIRECTORY_TYPE, CmsFileId.DEFAULT_MODE, RecordFormat.F, LENGTH,
                layout.origin(), layout.dataBlocks(), layout.records(), layout.levels(), written);
    }

    /** The allocation map's FST (FST 1): an F file of one block-sized record per map block. */
    public static FileStatusTableEntry forAllocationMap(int blockSize, FileLayout layout, LocalDateTime written) {
        return new FileStatusTableEntry(ALLOCATION_MAP_NAME, ALLOCATION_MAP_TYPE, CmsFileId.DEFAULT_MODE,
                RecordFormat.F, blockSize, layout.origin(), layout.dataBlocks(), layout.records(), layout.levels(),
                written);
    }

    /** Reads the FST at {@code offset}; only {@link #check} judges it. */
    public static FileStatusTableEntry decode(byte[] b, int offset) {
        return new FileStatusTableEntry(Arrays.copyOfRange(b, offset, offset + LENGTH));
    }

    /** Whether 64 bytes at {@code offset} are an unused (all zero) slot. */
    public static boolean isUnusedSlot(byte[] b, int offset) {
        for (int i = 0; i < LENGTH; i++) {
            if (b[offset + i] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks the fields a reader relies on.
     *
     * @param what the entry's name for messages ("FST of NAMES DATA")
     * @param block the directory block holding the entry
     * @param totalBlocks ADTNUM, the highest valid block number
     */
    public void check(String what, long block, long totalBlocks) throws EdfFormatException {
        if (recordFormat == null) {
            throw new EdfFormatException(what, block, "record format FSTRECFM is X'"
                    + String.format("%02X", recordFormatCode) + "', neither F (X'C6') nor V (X'E5')");
        }
        if (pointerSize != recordFormat.pointerSize()) {
            throw new EdfFormatException(what, block, "pointer size FSTPTRSZ " + pointerSize + " does not match RECFM "
                    + recordFormat + " (" + recordFormat.pointerSize() + ")");
        }
        if (lrecl < 0 || (recordFormat == RecordFormat.F && records > 0 && lrecl == 0) || lrecl > 65535) {
            throw new EdfFormatException(what, block, "record length FSTLRECL " + lrecl + " is not 1 to 65535");
        }
        if (levels > MAX_LEVELS) {
            throw new EdfFormatException(what, block, "FSTNLVL says " + levels + " levels of pointer blocks, more than "
                    + MAX_LEVELS);
        }
        if (origin > totalBlocks) {
            throw new EdfFormatException(what, block, "file origin pointer FSTFOP " + origin
                    + " is outside the disk (blocks 1 to " + totalBlocks + ")");
        }
        if (records > 0 && origin == 0) {
            throw new EdfFormatException(what, block, "FSTAIC says " + records + " records but FSTFOP is 0");
        }
        if (records == 0 && (origin != 0 || dataBlocks != 0) && recordFormat != null && !isDirectory()) {
            throw new EdfFormatException(what, block, "FSTAIC says 0 records but FSTFOP is " + origin + " and FSTADBC "
                    + dataBlocks);
        }
    }

    /** The 64 bytes of this entry. */
    public byte[] encode() {
        byte[] b = new byte[LENGTH];
        System.arraycopy(name, 0, b, FSTFNAME, 8);
        System.arraycopy(type, 0, b, FSTFTYPE, 8);
        if (written != null) {
            b[FSTDATEW] = BcdTimestamp.bcd(written.getMonthValue());
            b[FSTDATEW + 1] = BcdTimestamp.bcd(written.getDayOfMonth());
            b[FSTTIMEW] = BcdTimestamp.bcd(written.getHour());
            b[FSTTIMEW + 1] = BcdTimestamp.bcd(written.getMinute());
            byte[] year = Ebcdic.encode(String.format("%02d", written.getYear() % 100));
            System.arraycopy(year, 0, b, FSTYEARW, 2);
            BcdTimestamp.encode(written, b, FSTADATI);
            if (BcdTimestamp.twentyFirstCentury(written)) {
                b[FSTFLAGS] = FLAG_CENTURY;
            }
        }
        Bytes.put16(b, FSTWRPNT, (int) Math.min(records + 1, 0xFFFF));
        Bytes.put16(b, FSTRDPNT, 1);
        System.arraycopy(Ebcdic.encode(mode), 0, b, FSTFMODE, 2);
        Bytes.put16(b, FSTRECCT, (int) Math.min(records, 0xFFFF));
        Bytes.put16(b, FSTFCLPT, origin <= 0xFFFF ? (int) origin : 0);
        b[FSTRECFM] = recordFormat.code();
        Bytes.put32(b, FSTLRECL, lrecl);
        Bytes.put16(b, FSTBLKCT, 0);
        Bytes.put32(b, FSTFOP, origin);
        Bytes.put32(b, FSTADBC, dataBlocks);
        Bytes.put32(b, FSTAIC, records);
        b[FSTNLVL] = (byte) levels;
        b[FSTPTRSZ] = (byte) recordFormat.pointerSize();
        return b;
    }

    /** Sets FSTBLKCT, the old count of 800-byte blocks, which needs the block size. */
    public byte[] encode(int blockSize) {
        byte[] b = encode();
        long bytes = dataBlocks * blockSize;
        Bytes.put16(b, FSTBLKCT, (int) Math.min((bytes + 799) / 800, 0xFFFF));
        return b;
    }

    public boolean isDirectory() {
        return Arrays.equals(name, DIRECTORY_NAME) && Arrays.equals(type, DIRECTORY_TYPE);
    }

    public boolean isAllocationMap() {
        return Arrays.equals(name, ALLOCATION_MAP_NAME) && Arrays.equals(type, ALLOCATION_MAP_TYPE);
    }

    /** The file's name, type and mode; names that are not valid CMS names are returned as read. */
    public String displayName() {
        return Ebcdic.decode(name).strip() + " " + Ebcdic.decode(type).strip();
    }

    /**
     * The file's id.
     *
     * @throws EdfFormatException if name, type or mode are not valid CMS names
     */
    public CmsFileId fileId(long block) throws EdfFormatException {
        try {
            return new CmsFileId(Ebcdic.decode(name).stripTrailing(), Ebcdic.decode(type).stripTrailing(), mode);
        } catch (IllegalArgumentException e) {
            throw new EdfFormatException("FST of " + displayName(), block, e.getMessage());
        }
    }

    public String mode() {
        return mode;
    }

    public RecordFormat recordFormat() {
        return recordFormat;
    }

    public int lrecl() {
        return lrecl;
    }

    public long origin() {
        return origin;
    }

    public long dataBlocks() {
        return dataBlocks;
    }

    public long records() {
        return records;
    }

    public int levels() {
        return levels;
    }

    public LocalDateTime written() {
        return written;
    }

    /** The file's blocks as this entry describes them. */
    public FileLayout layout() {
        return new FileLayout(origin, levels, dataBlocks, records);
    }
}
