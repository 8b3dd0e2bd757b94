package org.clonefarm.platform.cms;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.clonefarm.platform.io.FileRegion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The bytes of a small image match the format document field by field (CMS-EDF.md). */
@Timeout(30)
class EdfLayoutBytesTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-04T05:06:07Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    /** The CKD volume label sits in block 3 with every ADT field the document lists. */
    @Test
    void ckdLabelFieldsMatchTheFormatDocument() throws IOException {
        Path image = image(1 << 20);
        EdfFileSystem.format(FileRegion.whole(image), 1024, DiskLayout.CKD, "test01", CLOCK).close();
        byte[] bytes = read(image, 0, 3 * 1024);
        assertThat(Arrays.copyOfRange(bytes, 0, 2048)).containsOnly(0); // IPL records
        byte[] label = Arrays.copyOfRange(bytes, 2048, 2048 + 80);
        assertThat(hex(label, 0x00, 4)).isEqualTo("c3d4e2f1"); // ADTIDENT CMS1
        assertThat(hex(label, 0x04, 6)).isEqualTo("e3c5e2e3f0f1"); // ADTID TEST01
        assertThat(hex(label, 0x0C, 4)).isEqualTo("00000400"); // ADTDBSIZ 1024
        assertThat(hex(label, 0x10, 4)).isEqualTo("00000004"); // ADTDOP
        assertThat(hex(label, 0x14, 4)).isEqualTo("00000002"); // ADTCYL: 1024 blocks / (15 * 33)
        assertThat(hex(label, 0x18, 4)).isEqualTo("00000002"); // ADTMCYL
        assertThat(hex(label, 0x1C, 4)).isEqualTo("00000400"); // ADTNUM 1024 blocks
        assertThat(hex(label, 0x20, 4)).isEqualTo("00000005"); // ADTUSED: IPL, IPL, label, directory, map
        assertThat(hex(label, 0x24, 4)).isEqualTo("00000040"); // ADTFSTSZ 64
        assertThat(hex(label, 0x28, 4)).isEqualTo("00000010"); // ADTNFST 1024 / 64
        assertThat(hex(label, 0x2C, 6)).isEqualTo("260304050607"); // ADTDCRED BCD
        assertThat(hex(label, 0x32, 1)).isEqualTo("01"); // ADTFLGL 20xx
        assertThat(hex(label, 0x34, 4)).isEqualTo("00000000"); // ADTOFFST
    }

    /** On FBA the label is at byte 512 whatever the block size, and the first 512 bytes stay zero. */
    @Test
    void fbaLabelSitsAtByte512() throws IOException {
        Path image = image(1 << 20);
        EdfFileSystem.format(FileRegion.whole(image), 4096, DiskLayout.FBA, "FBA1", CLOCK).close();
        byte[] bytes = read(image, 0, 3 * 4096);
        assertThat(Arrays.copyOfRange(bytes, 0, 512)).containsOnly(0);
        assertThat(hex(bytes, 512, 4)).isEqualTo("c3d4e2f1");
        assertThat(hex(bytes, 512 + 4, 6)).isEqualTo("c6c2c1f14040"); // FBA1 blank padded
        assertThat(hex(bytes, 512 + 0x0C, 4)).isEqualTo("00001000");
        assertThat(hex(bytes, 512 + 0x1C, 4)).isEqualTo("00000100"); // 256 blocks of 4096
        assertThat(hex(bytes, 512 + 0x14, 4)).isEqualTo("00000000"); // no cylinders on FBA
        assertThat(Arrays.copyOfRange(bytes, 4096, 3 * 4096)).containsOnly(0); // block 2 stays zero: no CKD guess
        try (EdfFileSystem fs = EdfFileSystem.open(FileRegion.whole(image))) {
            assertThat(fs.volume().layout()).isEqualTo(DiskLayout.FBA);
            assertThat(fs.volume().created()).isEqualTo(LocalDateTime.of(2026, 3, 4, 5, 6, 7));
        }
    }

    /** FST 0 (DIRECTOR), FST 1 (ALLOCMAP), a file's FST and the allocation map bits hold the documented values. */
    @Test
    void directoryEntriesAndAllocationMapMatchTheFormatDocument() throws IOException {
        Path image = image(1 << 20);
        try (EdfFileSystem fs = EdfFileSystem.format(FileRegion.whole(image), 1024, DiskLayout.CKD, "TEST01", CLOCK)) {
            fs.writeLines(CmsFileId.of("names", "data"), RecordFormat.V, 0, List.of(":nick.A :x.1", ":nick.BB"));
        }
        byte[] directory = read(image, 3 * 1024, 1024);
        // FST 0: the directory
        assertThat(hex(directory, 0x00, 8)).isEqualTo("0000000100000000");
        assertThat(hex(directory, 0x08, 8)).isEqualTo("c4c9d9c5c3e3d6d9"); // DIRECTOR
        assertThat(hex(directory, 0x10, 4)).isEqualTo("03040506"); // FSTDATEW MMDD, FSTTIMEW HHMM
        assertThat(hex(directory, 0x1E, 2)).isEqualTo("c608"); // RECFM F, century flag
        assertThat(hex(directory, 0x20, 4)).isEqualTo("00000040"); // LRECL 64
        assertThat(hex(directory, 0x26, 2)).isEqualTo("f2f6"); // FSTYEARW "26"
        assertThat(hex(directory, 0x28, 4)).isEqualTo("00000004"); // FSTFOP = ADTDOP
        assertThat(hex(directory, 0x2C, 4)).isEqualTo("00000001"); // FSTADBC
        assertThat(hex(directory, 0x30, 4)).isEqualTo("00000003"); // FSTAIC = files + 2
        assertThat(hex(directory, 0x34, 2)).isEqualTo("0004"); // FSTNLVL 0, FSTPTRSZ 4
        assertThat(hex(directory, 0x36, 6)).isEqualTo("260304050607"); // FSTADATI
        // FST 1: the allocation map
        assertThat(hex(directory, 64, 8)).isEqualTo("0000000200000000");
        assertThat(hex(directory, 64 + 0x08, 8)).isEqualTo("c1d3d3d6c3d4c1d7"); // ALLOCMAP
        assertThat(hex(directory, 64 + 0x28, 4)).isEqualTo("00000005");
        // FST 2: NAMES DATA A1, V
        int fst = 128;
        assertThat(hex(directory, fst, 8)).isEqualTo("d5c1d4c5e2404040"); // NAMES
        assertThat(hex(directory, fst + 0x08, 8)).isEqualTo("c4c1e3c140404040"); // DATA
        assertThat(hex(directory, fst + 0x18, 2)).isEqualTo("c1f1"); // FSTFMODE A1
        assertThat(hex(directory, fst + 0x1A, 2)).isEqualTo("0002"); // FSTRECCT
        assertThat(hex(directory, fst + 0x1E, 2)).isEqualTo("e508"); // RECFM V, century
        assertThat(hex(directory, fst + 0x20, 4)).isEqualTo("0000000c"); // LRECL: longest record, 12
        assertThat(hex(directory, fst + 0x28, 4)).isEqualTo("00000006"); // FSTFOP: first free block
        assertThat(hex(directory, fst + 0x2C, 4)).isEqualTo("00000001"); // FSTADBC
        assertThat(hex(directory, fst + 0x30, 4)).isEqualTo("00000002"); // FSTAIC
        assertThat(hex(directory, fst + 0x34, 2)).isEqualTo("000c"); // FSTNLVL 0, FSTPTRSZ 12
        assertThat(Arrays.copyOfRange(directory, 192, 1024)).containsOnly(0); // unused slots
        // the data block: [len][bytes][len][bytes][0 length]
        byte[] data = read(image, 5 * 1024, 1024);
        assertThat(hex(data, 0, 2)).isEqualTo("000c");
        assertThat(hex(data, 2, 12)).isEqualTo("7a95898392 4bc1 407a a74b f1".replace(" ", ""));
        assertThat(hex(data, 14, 2)).isEqualTo("0008");
        assertThat(Arrays.copyOfRange(data, 24, 1024)).containsOnly(0);
        // ALLOCMAP: blocks 1 to 6 in use, most significant bit first
        byte[] map = read(image, 4 * 1024, 1024);
        assertThat(hex(map, 0, 2)).isEqualTo("fc00");
        assertThat(hex(read(image, 2048 + 0x20, 4), 0, 4)).isEqualTo("00000006"); // ADTUSED follows
    }

    /** V pointer entries hold block, last record starting there, first header offset; the back pointer ends the block. */
    @Test
    void variablePointerBlockHoldsRecordNumbersDisplacementsAndBackPointer() throws IOException {
        Path image = image(1 << 20);
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            byte[] record = new byte[300];
            Arrays.fill(record, (byte) (0xC1 + i));
            records.add(record);
        }
        try (EdfFileSystem fs = EdfFileSystem.format(FileRegion.whole(image), 512, DiskLayout.CKD, "V", CLOCK)) {
            fs.write(CmsFileId.of("TEN", "RECORDS"), RecordFormat.V, 0, records);
        }
        byte[] fst = read(image, 3 * 512 + 128, 64);
        assertThat(hex(fst, 0x28, 4)).isEqualTo("0000000c"); // FSTFOP: the pointer block after data blocks 6-11
        assertThat(hex(fst, 0x2C, 4)).isEqualTo("00000006"); // six data blocks
        assertThat(hex(fst, 0x30, 4)).isEqualTo("0000000a");
        assertThat(hex(fst, 0x34, 2)).isEqualTo("010c"); // one level, 12-byte pointers
        byte[] pointers = read(image, 11 * 512, 512);
        // headers at 0, 302, 604, 906, 1208, 1510, 1812, 2114, 2416, 2718; data ends at 3020
        assertThat(hex(pointers, 0, 72)).isEqualTo(
                "00000006" + "00000002" + "00000000"
                + "00000007" + "00000004" + "0000005c"
                + "00000008" + "00000006" + "000000b8"
                + "00000009" + "00000007" + "00000114"
                + "0000000a" + "00000009" + "00000042"
                + "0000000b" + "0000000a" + "0000009e");
        assertThat(Arrays.copyOfRange(pointers, 72, 508)).containsOnly(0);
        assertThat(hex(pointers, 508, 4)).isEqualTo("0000003c"); // back pointer: (6 - 1) * 12
    }

    /** A block that is all the middle of one long record has displacement X'FFFFFFFF'. */
    @Test
    void blockInsideALongRecordHasNoHeaderDisplacement() throws IOException {
        Path image = image(1 << 20);
        try (EdfFileSystem fs = EdfFileSystem.format(FileRegion.whole(image), 512, DiskLayout.CKD, "V", CLOCK)) {
            fs.write(CmsFileId.of("LONG", "RECORD"), RecordFormat.V, 0, List.of(new byte[1200], new byte[10]));
        }
        byte[] pointers = read(image, 8 * 512, 512); // data blocks 6, 7, 8; pointer block 9
        assertThat(hex(pointers, 0, 36)).isEqualTo(
                "00000006" + "00000001" + "00000000"
                + "00000007" + "00000001" + "ffffffff"
                + "00000008" + "00000002" + "000000b2");
        assertThat(hex(pointers, 508, 4)).isEqualTo("00000018");
    }

    /** An F file's pointer block lists its data blocks in order, then zeros. */
    @Test
    void fixedPointerBlockListsDataBlocksInOrder() throws IOException {
        Path image = image(1 << 20);
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            records.add(new byte[50]);
        }
        try (EdfFileSystem fs = EdfFileSystem.format(FileRegion.whole(image), 512, DiskLayout.CKD, "F", CLOCK)) {
            fs.write(CmsFileId.of("FIXED", "FILE"), RecordFormat.F, 50, records);
        }
        byte[] fst = read(image, 3 * 512 + 128, 64);
        assertThat(hex(fst, 0x20, 4)).isEqualTo("00000032");
        assertThat(hex(fst, 0x28, 4)).isEqualTo("00000009"); // 1500 bytes: data 6-8, pointer block 9
        assertThat(hex(fst, 0x34, 2)).isEqualTo("0104");
        byte[] pointers = read(image, 8 * 512, 512);
        assertThat(hex(pointers, 0, 12)).isEqualTo("000000060000000700000008");
        assertThat(Arrays.copyOfRange(pointers, 12, 512)).containsOnly(0);
    }

    /** A file whose name another tool stored in lower case is still found by its upper-case name. */
    @Test
    void findsFilesStoredWithLowerCaseNames() throws IOException {
        Path image = image(1 << 20);
        try (EdfFileSystem fs = EdfFileSystem.format(FileRegion.whole(image), 1024, DiskLayout.CKD, "LC", CLOCK)) {
            fs.writeLines(CmsFileId.of("PROFILE", "EXEC"), RecordFormat.V, 0, List.of("say hi"));
        }
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.seek(3 * 1024 + 128);
            file.write(Ebcdic.encode("profile exec    "));
        }
        try (EdfFileSystem fs = EdfFileSystem.open(FileRegion.whole(image))) {
            assertThat(fs.list()).extracting(CmsFile::id).containsExactly(CmsFileId.of("PROFILE", "EXEC"));
            assertThat(fs.readLines(CmsFileId.of("Profile", "Exec"))).containsExactly("say hi");
        }
    }

    private Path image(long size) throws IOException {
        Path image = dir.resolve("small.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(size);
        }
        return image;
    }

    static byte[] read(Path image, long offset, int length) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "r")) {
            byte[] bytes = new byte[length];
            file.seek(offset);
            file.readFully(bytes);
            return bytes;
        }
    }

    static String hex(byte[] bytes, int offset, int length) {
        return HexFormat.of().formatHex(bytes, offset, offset + length);
    }
}
