package org.clonefarm.platform.cms.internal;

import java.time.LocalDateTime;
import java.util.Arrays;
import org.clonefarm.platform.cms.Ebcdic;
import org.clonefarm.platform.cms.EdfFormatException;

/**
 * The 80-byte CMS volume label (ADT fields of the format document), at block 3 of a CKD minidisk or at
 * byte 512 of an FBA one. Immutable; {@link #decode} checks what strict readers check.
 *
 * @param volumeId ADTID, the 6-character volume label
 * @param version ADTVER
 * @param blockSize ADTDBSIZ: 512, 1024, 2048 or 4096
 * @param directoryOrigin ADTDOP: block number of the directory's first block (4 or 5)
 * @param cylinders ADTCYL: formatted cylinders
 * @param maxCylinders ADTMCYL: max formatted cylinders
 * @param totalBlocks ADTNUM: blocks on the disk
 * @param usedBlocks ADTUSED: blocks in use
 * @param created ADTDCRED with ADTFLGL: creation date and time, or null if unreadable
 * @param reservedOffset ADTOFFST: 0 unless the disk is RESERVEd
 * @param allocationHintBlock ADTAMNB
 * @param allocationHintDisplacement ADTAMND
 * @param allocationHintUsed ADTAMUP
 */
public record EdfVolumeLabel(String volumeId, int version, int blockSize, int directoryOrigin, int cylinders,
        int maxCylinders, long totalBlocks, long usedBlocks, LocalDateTime created, int reservedOffset,
        int allocationHintBlock, int allocationHintDisplacement, int allocationHintUsed) {

    /** Size of the label in bytes. */
    public static final int LENGTH = 80;

    public static final int ADTIDENT = 0x00;
    public static final int ADTID = 0x04;
    public static final int ADTVER = 0x0A;
    public static final int ADTDBSIZ = 0x0C;
    public static final int ADTDOP = 0x10;
    public static final int ADTCYL = 0x14;
    public static final int ADTMCYL = 0x18;
    public static final int ADTNUM = 0x1C;
    public static final int ADTUSED = 0x20;
    public static final int ADTFSTSZ = 0x24;
    public static final int ADTNFST = 0x28;
    public static final int ADTDCRED = 0x2C;
    public static final int ADTFLGL = 0x32;
    public static final int ADTOFFST = 0x34;
    public static final int ADTAMNB = 0x38;
    public static final int ADTAMND = 0x3C;
    public static final int ADTAMUP = 0x40;

    /** ADTIDENT: "CMS1" in EBCDIC. */
    private static final byte[] CMS1 = {(byte) 0xC3, (byte) 0xD4, (byte) 0xE2, (byte) 0xF1};
    /** ADTFLGL bit: creation year is 20xx. */
    public static final int FLAG_CENTURY = 0x01;

    /** Whether the 80 bytes at {@code offset} start with the "CMS1" identifier. */
    public static boolean hasIdentifier(byte[] bytes, int offset) {
        return Arrays.equals(bytes, offset, offset + 4, CMS1, 0, 4);
    }

    /** Whether {@code size} is a block size EDF allows. */
    public static boolean validBlockSize(long size) {
        return size == 512 || size == 1024 || size == 2048 || size == 4096;
    }

    /** The FSTs that fit in one block. */
    public int fstsPerBlock() {
        return blockSize / FileStatusTableEntry.LENGTH;
    }

    /** This label with another ADTUSED. */
    public EdfVolumeLabel withUsedBlocks(long used) {
        return new EdfVolumeLabel(volumeId, version, blockSize, directoryOrigin, cylinders, maxCylinders, totalBlocks,
                used, created, reservedOffset, allocationHintBlock, allocationHintDisplacement, allocationHintUsed);
    }

    /** The 80 bytes of the label. */
    public byte[] encode() {
        byte[] b = new byte[LENGTH];
        System.arraycopy(CMS1, 0, b, ADTIDENT, 4);
        byte[] id = Ebcdic.encode(String.format("%-6s", volumeId));
        System.arraycopy(id, 0, b, ADTID, 6);
        Bytes.put16(b, ADTVER, version);
        Bytes.put32(b, ADTDBSIZ, blockSize);
        Bytes.put32(b, ADTDOP, directoryOrigin);
        Bytes.put32(b, ADTCYL, cylinders);
        Bytes.put32(b, ADTMCYL, maxCylinders);
        Bytes.put32(b, ADTNUM, totalBlocks);
        Bytes.put32(b, ADTUSED, usedBlocks);
        Bytes.put32(b, ADTFSTSZ, FileStatusTableEntry.LENGTH);
        Bytes.put32(b, ADTNFST, fstsPerBlock());
        if (created != null) {
            BcdTimestamp.encode(created, b, ADTDCRED);
            b[ADTFLGL] = (byte) (BcdTimestamp.twentyFirstCentury(created) ? FLAG_CENTURY : 0);
        }
        Bytes.put32(b, ADTOFFST, reservedOffset);
        Bytes.put32(b, ADTAMNB, allocationHintBlock);
        Bytes.put32(b, ADTAMND, allocationHintDisplacement);
        Bytes.put32(b, ADTAMUP, allocationHintUsed);
        return b;
    }

    /**
     * Reads and checks a label.
     *
     * @param bytes at least {@link #LENGTH} bytes from {@code offset}
     * @param block the EDF block holding the label, for error messages
     * @param diskBlocks how many blocks of {@code blockSize} the minidisk region holds, or -1 to skip
     *     that check
     * @throws EdfFormatException naming the field that is wrong
     */
    public static EdfVolumeLabel decode(byte[] bytes, int offset, long block, long diskBlocks) throws EdfFormatException {
        byte[] b = Arrays.copyOfRange(bytes, offset, offset + LENGTH);
        if (!hasIdentifier(b, 0)) {
            throw new EdfFormatException("volume label", block, "no CMS1 identifier (ADTIDENT is X'"
                    + hex(b, 0, 4) + "'): this is not a CMS formatted disk");
        }
        int blockSize = Bytes.s32(b, ADTDBSIZ);
        if (!validBlockSize(blockSize)) {
            throw new EdfFormatException("volume label", block, "block size ADTDBSIZ " + blockSize
                    + " is not 512, 1024, 2048 or 4096");
        }
        int dop = Bytes.s32(b, ADTDOP);
        if (dop != 4 && dop != 5) {
            throw new EdfFormatException("volume label", block, "directory origin ADTDOP " + dop + " is not 4 or 5");
        }
        if (Bytes.s32(b, ADTFSTSZ) != FileStatusTableEntry.LENGTH) {
            throw new EdfFormatException("volume label", block, "FST size ADTFSTSZ " + Bytes.s32(b, ADTFSTSZ)
                    + " is not 64");
        }
        if (Bytes.s32(b, ADTNFST) != blockSize / FileStatusTableEntry.LENGTH) {
            throw new EdfFormatException("volume label", block, "FSTs per block ADTNFST " + Bytes.s32(b, ADTNFST)
                    + " is not " + blockSize / FileStatusTableEntry.LENGTH + " (block size / 64)");
        }
        long total = Bytes.u32(b, ADTNUM);
        long used = Bytes.u32(b, ADTUSED);
        if (total <= dop) {
            throw new EdfFormatException("volume label", block, "total blocks ADTNUM " + total
                    + " leaves no room past the directory origin " + dop);
        }
        if (diskBlocks >= 0 && total > diskBlocks) {
            throw new EdfFormatException("volume label", block, "total blocks ADTNUM " + total
                    + " is more than the " + diskBlocks + " blocks of " + blockSize + " bytes the minidisk holds");
        }
        if (used > total) {
            throw new EdfFormatException("volume label", block, "used blocks ADTUSED " + used
                    + " is more than total blocks ADTNUM " + total);
        }
        LocalDateTime created = BcdTimestamp.decode(b, ADTDCRED, (b[ADTFLGL] & FLAG_CENTURY) != 0);
        return new EdfVolumeLabel(Ebcdic.decode(b, ADTID, 6).stripTrailing(), Bytes.u16(b, ADTVER), blockSize, dop,
                Bytes.s32(b, ADTCYL), Bytes.s32(b, ADTMCYL), total, used, created, Bytes.s32(b, ADTOFFST),
                Bytes.s32(b, ADTAMNB), Bytes.s32(b, ADTAMND), Bytes.s32(b, ADTAMUP));
    }

    static String hex(byte[] b, int off, int len) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < len; i++) {
            text.append(String.format("%02X", b[off + i] & 0xFF));
        }
        return text.toString();
    }
}
