package org.clonefarm.platform.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.clonefarm.platform.io.FileRegion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged images are refused with an {@link EdfFormatException} naming the structure and block, never
 * with wrong data or a raw exception. The image: CKD, 512-byte blocks, directory in block 4, map in 5,
 * FIXED FILE (F 50 x 30: data 6-8, pointer block 9), TEN RECORDS (V 300 x 10: data 10-15, pointer
 * block 16), TWO RECS (V, level 0, data block 17).
 */
@Timeout(30)
class EdfDamagedImageTest {

    private static final int BS = 512;
    private static final long DIRECTORY = 3L * BS;
    private static final long FIXED_FST = DIRECTORY + 2 * 64;
    private static final long TEN_FST = DIRECTORY + 3 * 64;
    private static final long TWO_FST = DIRECTORY + 4 * 64;
    private static final long FIXED_POINTERS = 8L * BS;
    private static final long TEN_POINTERS = 15L * BS;

    @TempDir
    Path dir;
    Path image;

    @BeforeEach
    void writeImage() throws IOException {
        image = dir.resolve("damaged.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(1 << 20);
        }
        try (EdfFileSystem fs = EdfFileSystem.format(FileRegion.whole(image), BS, DiskLayout.CKD, "DAMAGE")) {
            List<byte[]> fixed = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                fixed.add(new byte[50]);
            }
            fs.write(CmsFileId.of("FIXED", "FILE"), RecordFormat.F, 50, fixed);
            List<byte[]> ten = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                byte[] record = new byte[300];
                Arrays.fill(record, (byte) i);
                ten.add(record);
            }
            fs.write(CmsFileId.of("TEN", "RECORDS"), RecordFormat.V, 0, ten);
            fs.write(CmsFileId.of("TWO", "RECS"), RecordFormat.V, 0, List.of(new byte[] {1}, new byte[] {2, 3}));
        }
        // the layout the offsets above assume
        assertThat(EdfLayoutBytesTest.hex(EdfLayoutBytesTest.read(image, FIXED_FST + 0x28, 4), 0, 4)).isEqualTo("00000009");
        assertThat(EdfLayoutBytesTest.hex(EdfLayoutBytesTest.read(image, TEN_FST + 0x28, 4), 0, 4)).isEqualTo("00000010");
        assertThat(EdfLayoutBytesTest.hex(EdfLayoutBytesTest.read(image, TWO_FST + 0x28, 4), 0, 4)).isEqualTo("00000011");
    }

    /** An image without a CMS1 label anywhere is refused as not CMS formatted. */
    @Test
    void refusesImageWithoutLabel() throws IOException {
        patch(2L * BS, new byte[80]);
        assertThatThrownBy(this::open).isInstanceOfSatisfying(EdfFormatException.class, e -> {
            assertThat(e.structure()).isEqualTo("volume label");
            assertThat(e.getMessage()).contains("not CMS formatted");
        });
    }

    /** A label whose directory origin is neither 4 nor 5 is refused, naming ADTDOP. */
    @Test
    void refusesLabelWithBadDirectoryOrigin() throws IOException {
        patch(2L * BS + 0x10, int32(9));
        assertThatThrownBy(this::open).isInstanceOfSatisfying(EdfFormatException.class, e -> {
            assertThat(e.structure()).isEqualTo("volume label");
            assertThat(e.block()).isEqualTo(3);
            assertThat(e.getMessage()).contains("ADTDOP 9");
        });
    }

    /** A label that claims more blocks than the minidisk holds is refused. */
    @Test
    void refusesLabelClaimingMoreBlocksThanTheMinidisk() throws IOException {
        patch(2L * BS + 0x1C, int32(5000));
        assertThatThrownBy(this::open).isInstanceOf(EdfFormatException.class)
                .hasMessageContaining("ADTNUM 5000").hasMessageContaining("2048 blocks");
    }

    /** A pointer block entry that leads outside the disk is refused, naming the pointer block. */
    @Test
    void refusesPointerOutsideTheDisk() throws IOException {
        patch(FIXED_POINTERS + 4, int32(70000));
        try (EdfFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readRecords(CmsFileId.of("FIXED", "FILE")))
                    .isInstanceOfSatisfying(EdfFormatException.class, e -> {
                        assertThat(e.structure()).isEqualTo("pointer block of FIXED FILE");
                        assertThat(e.block()).isEqualTo(9);
                        assertThat(e.getMessage()).contains("block 70000, outside the disk");
                    });
            assertThat(fs.readRecords(CmsFileId.of("TWO", "RECS"))).hasSize(2); // other files still read
        }
    }

    /** A pointer into the IPL records or the label is refused like one outside the disk. */
    @Test
    void refusesPointerIntoTheLabel() throws IOException {
        patch(FIXED_POINTERS, int32(3));
        try (EdfFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readRecords(CmsFileId.of("FIXED", "FILE")))
                    .isInstanceOf(EdfFormatException.class).hasMessageContaining("volume label");
        }
    }

    /** A pointer to a block the allocation map marks free is refused: it may hold anything. */
    @Test
    void refusesPointerToAFreeBlock() throws IOException {
        patch(FIXED_POINTERS + 4, int32(1000));
        try (EdfFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readRecords(CmsFileId.of("FIXED", "FILE")))
                    .isInstanceOf(EdfFormatException.class).hasMessageContaining("block 1000, which the allocation map marks free");
        }
    }

    /** A file whose pointers name one block twice (here its own pointer block as data) is refused. */
    @Test
    void refusesBlockUsedTwiceByOneFile() throws IOException {
        patch(FIXED_POINTERS + 8, int32(9));
        try (EdfFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readRecords(CmsFileId.of("FIXED", "FILE")))
                    .isInstanceOf(EdfFormatException.class).hasMessageContaining("block 9, which the file already uses");
        }
    }

    /** A huge FSTAIC is refused before anything is read or allocated for it. */
    @Test
    void refusesRecordCountLargerThanTheDisk() throws IOException {
        patch(FIXED_FST + 0x30, int32(0x7FFFFFFF));
        patch(TEN_FST + 0x30, int32(0x7FFFFFFF));
        try (EdfFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readRecords(CmsFileId.of("FIXED", "FILE")))
                    .isInstanceOf(EdfFormatException.class).hasMessageContaining("more than the disk's 2048");
            assertThatThrownBy(() -> fs.readRecords(CmsFileId.of("TEN", "RECORDS")))
                    .isInstanceOf(EdfFormatException.class).hasMessageContaining("record count mismatch");
        }
    }

    /** An FST whose origin pointer is outside the disk is refused when the directory is read. */
    @Test
    void refusesFileOriginOutsideTheDisk() throws IOException {
        patch(TWO_FST + 0x28, int32(123456));
        assertThatThrownBy(this::open).isInstanceOfSatisfying(EdfFormatException.class, e -> {
            assertThat(e.structure()).contains("TWO RECS");
            assertThat(e.block()).isEqualTo(4);
            assertThat(e.getMessage()).contains("FSTFOP 123456");
        });
    }

    /** An F file whose record count needs more blocks than its FST holds is a record count mismatch. */
    @Test
    void refusesFixedRecordCountMismatch() throws IOException {
        patch(FIXED_FST + 0x30, int32(40));
        try (EdfFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readRecords(CmsFileId.of("FIXED", "FILE")))
                    .isInstanceOf(EdfFormatException.class).hasMessageContaining("record count mismatch");
        }
    }

    /** A V file whose FSTAIC is larger than the records in its data is a record count mismatch. */
    @Test
    void refusesVariableRecordCountMismatch() throws IOException {
        patch(TWO_FST + 0x30, int32(3));
        try (EdfFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readRecords(CmsFileId.of("TWO", "RECS")))
                    .isInstanceOf(EdfFormatException.class).hasMessageContaining("record count mismatch");
        }
    }

    /** A V file with fewer records in FSTAIC than its data holds is refused too, not cut short. */
    @Test
    void refusesVariableFileWithMoreRecordsThanCounted() throws IOException {
        patch(TWO_FST + 0x30, int32(1));
        try (EdfFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readRecords(CmsFileId.of("TWO", "RECS")))
                    .isInstanceOf(EdfFormatException.class).hasMessageContaining("record count mismatch");
        }
    }

    /** The last V pointer entry must carry FSTAIC: a changed FSTAIC is caught there. */
    @Test
    void refusesVariablePointerEndingBeforeTheRecordCount() throws IOException {
        patch(TEN_FST + 0x30, int32(11));
        try (EdfFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readRecords(CmsFileId.of("TEN", "RECORDS")))
                    .isInstanceOfSatisfying(EdfFormatException.class, e -> {
                        assertThat(e.structure()).isEqualTo("pointer block of TEN RECORDS");
                        assertThat(e.getMessage()).contains("last entry's record number 10 is not FSTAIC 11");
                    });
        }
    }

    /** A V pointer block whose back pointer is not the offset of an entry is refused. */
    @Test
    void refusesWrongVariableBackPointer() throws IOException {
        patch(TEN_POINTERS + BS - 4, int32(61));
        try (EdfFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readRecords(CmsFileId.of("TEN", "RECORDS")))
                    .isInstanceOfSatisfying(EdfFormatException.class, e -> {
                        assertThat(e.block()).isEqualTo(16);
                        assertThat(e.getMessage()).contains("back pointer 61");
                    });
        }
    }

    /** A back pointer that cuts the entry list short leaves the last record number wrong: refused. */
    @Test
    void refusesBackPointerThatHidesEntries() throws IOException {
        patch(TEN_POINTERS + BS - 4, int32(24));
        try (EdfFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readRecords(CmsFileId.of("TEN", "RECORDS")))
                    .isInstanceOf(EdfFormatException.class).hasMessageContaining("not FSTAIC 10");
        }
    }

    /** A V pointer entry with a wrong record number is refused, naming the data block. */
    @Test
    void refusesWrongVariableRecordNumber() throws IOException {
        patch(TEN_POINTERS + 12 + 4, int32(5));
        try (EdfFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readRecords(CmsFileId.of("TEN", "RECORDS")))
                    .isInstanceOf(EdfFormatException.class)
                    .hasMessageContaining("data block 2 (block 11) says its last record is 5, the data says 4");
        }
    }

    /** A V pointer entry with a wrong displacement is refused. */
    @Test
    void refusesWrongVariableDisplacement() throws IOException {
        patch(TEN_POINTERS + 12 + 8, int32(93));
        try (EdfFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readRecords(CmsFileId.of("TEN", "RECORDS")))
                    .isInstanceOf(EdfFormatException.class).hasMessageContaining("displacement 93, the data says 92");
        }
    }

    /** A V record length that runs past the data is refused instead of read from foreign blocks. */
    @Test
    void refusesRecordLengthRunningPastTheData() throws IOException {
        patch(16L * BS, new byte[] {0x7F, (byte) 0xFF});
        patch(TWO_FST + 0x20, int32(0x7FFF));
        try (EdfFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.readRecords(CmsFileId.of("TWO", "RECS")))
                    .isInstanceOf(EdfFormatException.class).hasMessageContaining("runs past the last data block");
        }
    }

    /** An FST with a record format other than F or V is refused when the directory is read. */
    @Test
    void refusesUnknownRecordFormat() throws IOException {
        patch(TWO_FST + 0x1E, new byte[] {(byte) 0xC1});
        assertThatThrownBy(this::open).isInstanceOf(EdfFormatException.class).hasMessageContaining("X'C1'");
    }

    /** A file with damaged pointers can still be erased; its blocks stay allocated, the other files stay whole. */
    @Test
    void erasesADamagedFileWithoutFreeingItsBlocks() throws IOException {
        patch(FIXED_POINTERS + 4, int32(70000));
        long used;
        try (EdfFileSystem fs = EdfFileSystem.openForUpdate(FileRegion.whole(image))) {
            used = fs.volume().usedBlocks();
            assertThat(fs.erase(CmsFileId.of("FIXED", "FILE"))).isZero();
            assertThat(fs.erase(CmsFileId.of("TWO", "RECS"))).isEqualTo(1);
        }
        try (EdfFileSystem fs = open()) {
            assertThat(fs.list()).extracting(CmsFile::id).containsExactly(CmsFileId.of("TEN", "RECORDS"));
            assertThat(fs.volume().usedBlocks()).isEqualTo(used - 1);
            assertThat(fs.readRecords(CmsFileId.of("TEN", "RECORDS"))).hasSize(10);
        }
    }

    /** A disk opened read-only refuses writes. */
    @Test
    void readOnlyDiskRefusesWrites() throws IOException {
        try (EdfFileSystem fs = open()) {
            assertThatThrownBy(() -> fs.erase(CmsFileId.of("TWO", "RECS")))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("read-only");
        }
    }

    private EdfFileSystem open() throws IOException {
        return EdfFileSystem.open(FileRegion.whole(image));
    }

    private void patch(long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.seek(offset);
            file.write(bytes);
        }
    }

    private static byte[] int32(int value) {
        return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }
}
