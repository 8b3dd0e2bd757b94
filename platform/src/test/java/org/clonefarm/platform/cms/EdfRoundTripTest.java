package org.clonefarm.platform.cms;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.clonefarm.platform.cms.internal.FixedPointerBlock;
import org.clonefarm.platform.cms.internal.VariablePointerBlock;
import org.clonefarm.platform.io.FileRegion;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Files written to a CMS disk read back byte for byte, at every block size and both label layouts. */
@Timeout(60)
class EdfRoundTripTest {

    @TempDir
    Path dir;

    static Stream<Arguments> geometries() {
        List<Arguments> all = new ArrayList<>();
        for (int blockSize : new int[] {512, 1024, 2048, 4096}) {
            for (DiskLayout layout : DiskLayout.values()) {
                all.add(Arguments.of(blockSize, layout));
            }
        }
        return all.stream();
    }

    /** An empty file is listed with no records and no blocks and reads back as nothing. */
    @ParameterizedTest
    @MethodSource("geometries")
    void emptyFileReadsBackAsNoRecords(int blockSize, DiskLayout layout) throws IOException {
        try (EdfFileSystem fs = format(blockSize, layout, 2L << 20)) {
            long used = fs.volume().usedBlocks();
            fs.write(CmsFileId.of("EMPTY", "FILE"), RecordFormat.F, 80, List.of());
            fs.write(CmsFileId.of("EMPTYV", "FILE"), RecordFormat.V, 0, List.of());
            assertThat(fs.readRecords(CmsFileId.of("empty", "file"))).isEmpty();
            assertThat(fs.volume().usedBlocks()).isEqualTo(used);
        }
        try (EdfFileSystem fs = EdfFileSystem.open(region())) {
            assertThat(fs.list()).extracting(CmsFile::records, CmsFile::dataBlocks).containsOnly(
                    org.assertj.core.groups.Tuple.tuple(0L, 0L));
            assertThat(fs.readRecords(CmsFileId.of("EMPTYV", "FILE"))).isEmpty();
        }
    }

    /** A file of one record, F or V, reads back as that record. */
    @ParameterizedTest
    @MethodSource("geometries")
    void oneRecordFileReadsBack(int blockSize, DiskLayout layout) throws IOException {
        byte[] record = Ebcdic.encode("HELLO CMS");
        try (EdfFileSystem fs = format(blockSize, layout, 2L << 20)) {
            fs.write(CmsFileId.of("ONE", "F"), RecordFormat.F, record.length, List.of(record));
            fs.write(CmsFileId.of("ONE", "V"), RecordFormat.V, 0, List.of(record));
        }
        try (EdfFileSystem fs = EdfFileSystem.open(region())) {
            assertThat(fs.readRecords(CmsFileId.of("ONE", "F"))).containsExactly(record);
            assertThat(fs.readRecords(CmsFileId.of("ONE", "V"))).containsExactly(record);
            assertThat(fs.list()).allSatisfy(file -> {
                assertThat(file.records()).isEqualTo(1);
                assertThat(file.dataBlocks()).isEqualTo(1);
                assertThat(file.pointerLevels()).isZero();
                assertThat(file.lrecl()).isEqualTo(record.length);
            });
        }
    }

    /** A file that fills exactly one block has one data block and no pointer block. */
    @ParameterizedTest
    @MethodSource("geometries")
    void fileOfExactlyOneBlockHasNoPointerBlock(int blockSize, DiskLayout layout) throws IOException {
        List<byte[]> fixed = randomRecords(new Random(blockSize), 8, blockSize / 8, blockSize / 8);
        List<byte[]> variable = List.of(randomRecords(new Random(7), 1, blockSize - 2, blockSize - 2).get(0));
        try (EdfFileSystem fs = format(blockSize, layout, 2L << 20)) {
            fs.write(CmsFileId.of("BLOCK", "F"), RecordFormat.F, blockSize / 8, fixed);
            fs.write(CmsFileId.of("BLOCK", "V"), RecordFormat.V, 0, variable);
        }
        try (EdfFileSystem fs = EdfFileSystem.open(region())) {
            assertThat(fs.readRecords(CmsFileId.of("BLOCK", "F"))).containsExactlyElementsOf(fixed);
            assertThat(fs.readRecords(CmsFileId.of("BLOCK", "V"))).containsExactlyElementsOf(variable);
            assertThat(fs.list()).allSatisfy(file -> {
                assertThat(file.dataBlocks()).isEqualTo(1);
                assertThat(file.pointerLevels()).isZero();
            });
        }
    }

    /** Thousands of F records that need one, then two levels of pointer blocks read back in order. */
    @ParameterizedTest
    @MethodSource("geometries")
    void thousandsOfFixedRecordsReadBackThroughOneAndTwoLevels(int blockSize, DiskLayout layout) throws IOException {
        int perBlock = FixedPointerBlock.entriesPerBlock(blockSize);
        // odd record lengths so records cross block boundaries
        List<byte[]> oneLevel = randomRecords(new Random(1), 3000, 13, 13);
        int twoLevelLrecl = (int) Math.ceil((perBlock + 5.0) * blockSize / 3000) | 1;
        List<byte[]> twoLevel = randomRecords(new Random(2), 3000, twoLevelLrecl, twoLevelLrecl);
        try (EdfFileSystem fs = format(blockSize, layout, 16L << 20)) {
            fs.write(CmsFileId.of("ONE", "LEVEL"), RecordFormat.F, 13, oneLevel);
            fs.write(CmsFileId.of("TWO", "LEVELS"), RecordFormat.F, twoLevelLrecl, twoLevel);
        }
        try (EdfFileSystem fs = EdfFileSystem.open(region())) {
            assertThat(fs.readRecords(CmsFileId.of("ONE", "LEVEL"))).containsExactlyElementsOf(oneLevel);
            assertThat(fs.readRecords(CmsFileId.of("TWO", "LEVELS"))).containsExactlyElementsOf(twoLevel);
            assertThat(fs.list()).extracting(CmsFile::pointerLevels).containsExactly(1, 2);
            assertThat(fs.list().get(0).dataBlocks()).isEqualTo((3000L * 13 + blockSize - 1) / blockSize);
        }
    }

    /** Thousands of V records of mixed lengths, through one and two levels of V pointer blocks. */
    @ParameterizedTest
    @MethodSource("geometries")
    void thousandsOfVariableRecordsReadBackThroughOneAndTwoLevels(int blockSize, DiskLayout layout) throws IOException {
        int perBlock = VariablePointerBlock.entriesPerBlock(blockSize);
        // about half a pointer block of data blocks: 1,500 records at 512-byte blocks, more at larger ones
        List<byte[]> oneLevel = randomRecords(new Random(3), perBlock / 2 * blockSize / 7, 1, 8);
        int average = (int) ((perBlock + 10L) * blockSize / 2500);
        List<byte[]> twoLevel = randomRecords(new Random(4), 2500, 1, 2 * average);
        try (EdfFileSystem fs = format(blockSize, layout, 16L << 20)) {
            fs.write(CmsFileId.of("ONE", "LEVEL"), RecordFormat.V, 0, oneLevel);
            fs.write(CmsFileId.of("TWO", "LEVELS"), RecordFormat.V, 0, twoLevel);
        }
        try (EdfFileSystem fs = EdfFileSystem.open(region())) {
            assertThat(fs.readRecords(CmsFileId.of("ONE", "LEVEL"))).containsExactlyElementsOf(oneLevel);
            assertThat(fs.readRecords(CmsFileId.of("TWO", "LEVELS"))).containsExactlyElementsOf(twoLevel);
            assertThat(fs.list()).extracting(CmsFile::pointerLevels).containsExactly(1, 2);
            assertThat(fs.list()).extracting(CmsFile::lrecl).containsExactly(
                    oneLevel.stream().mapToInt(r -> r.length).max().orElseThrow(),
                    twoLevel.stream().mapToInt(r -> r.length).max().orElseThrow());
        }
    }

    /** V records longer than a block (and headers split by block ends) read back whole. */
    @ParameterizedTest
    @MethodSource("geometries")
    void variableRecordsLongerThanABlockReadBack(int blockSize, DiskLayout layout) throws IOException {
        Random random = new Random(5);
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            records.addAll(randomRecords(random, 1, 2 * blockSize + 7, 3 * blockSize));
            records.addAll(randomRecords(random, 3, 1, 5));
        }
        // a header split by a block boundary: first record ends one byte before the block end
        records.add(0, randomRecords(random, 1, blockSize - 3, blockSize - 3).get(0));
        try (EdfFileSystem fs = format(blockSize, layout, 4L << 20)) {
            fs.write(CmsFileId.of("LONG", "RECORDS"), RecordFormat.V, 0, records);
        }
        try (EdfFileSystem fs = EdfFileSystem.open(region())) {
            assertThat(fs.readRecords(CmsFileId.of("LONG", "RECORDS"))).containsExactlyElementsOf(records);
        }
    }

    /** 200 files fill a directory of several blocks; all are listed and read back, and erasing frees it all. */
    @ParameterizedTest
    @MethodSource("geometries")
    void twoHundredFilesGrowTheDirectoryPastOneBlock(int blockSize, DiskLayout layout) throws IOException {
        long emptyUsed;
        try (EdfFileSystem fs = format(blockSize, layout, 4L << 20)) {
            emptyUsed = fs.volume().usedBlocks();
            for (int i = 0; i < 200; i++) {
                fs.writeLines(CmsFileId.of("FILE" + i, "DATA"), i % 2 == 0 ? RecordFormat.F : RecordFormat.V, 80,
                        List.of("FILE " + i, "LINE TWO OF " + i));
            }
        }
        try (EdfFileSystem fs = EdfFileSystem.openForUpdate(region())) {
            assertThat(fs.list()).hasSize(200);
            assertThat(fs.list().get(199).id()).isEqualTo(CmsFileId.of("FILE199", "DATA"));
            for (int i = 0; i < 200; i++) {
                List<String> lines = fs.readLines(CmsFileId.of("FILE" + i, "DATA"));
                assertThat(lines.get(0).strip()).isEqualTo("FILE " + i);
                assertThat(lines.get(1).strip()).isEqualTo("LINE TWO OF " + i);
            }
            for (int i = 0; i < 200; i += 2) {
                fs.erase(CmsFileId.of("FILE" + i, "DATA"));
            }
        }
        try (EdfFileSystem fs = EdfFileSystem.openForUpdate(region())) {
            assertThat(fs.list()).hasSize(100).allSatisfy(file -> assertThat(file.recordFormat()).isEqualTo(RecordFormat.V));
            assertThat(fs.readLines(CmsFileId.of("FILE151", "DATA")).get(0)).isEqualTo("FILE 151");
            for (int i = 1; i < 200; i += 2) {
                fs.erase(CmsFileId.of("FILE" + i, "DATA"));
            }
            assertThat(fs.list()).isEmpty();
            assertThat(fs.volume().usedBlocks()).isEqualTo(emptyUsed);
        }
    }

    /** Replacing a file frees the old blocks: the used count ends where one copy puts it. */
    @ParameterizedTest
    @MethodSource("geometries")
    void replacingAFileFreesItsOldBlocks(int blockSize, DiskLayout layout) throws IOException {
        List<byte[]> big = randomRecords(new Random(9), 5000, 1, 60);
        List<byte[]> small = randomRecords(new Random(10), 3, 1, 10);
        try (EdfFileSystem fs = format(blockSize, layout, 4L << 20)) {
            fs.write(CmsFileId.of("DATA", "FILE"), RecordFormat.V, 0, small);
            long usedSmall = fs.volume().usedBlocks();
            fs.write(CmsFileId.of("data", "file"), RecordFormat.V, 0, big);
            fs.write(CmsFileId.of("DATA", "FILE"), RecordFormat.V, 0, small);
            assertThat(fs.volume().usedBlocks()).isEqualTo(usedSmall);
            assertThat(fs.list()).hasSize(1);
        }
        try (EdfFileSystem fs = EdfFileSystem.open(region())) {
            assertThat(fs.readRecords(CmsFileId.of("DATA", "FILE"))).containsExactlyElementsOf(small);
        }
    }

    /** A minidisk inside a larger volume image is formatted and used without touching the bytes around it. */
    @ParameterizedTest
    @MethodSource("geometries")
    void minidiskInsideAVolumeLeavesTheRestOfTheImageAlone(int blockSize, DiskLayout layout) throws IOException {
        Path image = dir.resolve("volume.img");
        byte[] marker = new byte[8192];
        Arrays.fill(marker, (byte) 0x5A);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(3L << 20);
            file.write(marker);
            file.seek((2L << 20) + 8192);
            file.write(marker);
        }
        FileRegion minidisk = new FileRegion(image, 8192, 2L << 20);
        try (EdfFileSystem fs = EdfFileSystem.format(minidisk, blockSize, layout, "MD191")) {
            fs.writeLines(CmsFileId.of("PROFILE", "EXEC"), RecordFormat.V, 0, List.of("/* */", "'ACCESS 191 A'"));
        }
        try (EdfFileSystem fs = EdfFileSystem.open(minidisk)) {
            assertThat(fs.readLines(CmsFileId.of("PROFILE", "EXEC"))).containsExactly("/* */", "'ACCESS 191 A'");
            assertThat(fs.volume().label()).isEqualTo("MD191");
            assertThat(fs.volume().layout()).isEqualTo(layout);
            assertThat(fs.volume().totalBlocks()).isEqualTo((2L << 20) / blockSize);
        }
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "r")) {
            byte[] before = new byte[8192];
            byte[] after = new byte[8192];
            file.readFully(before);
            file.seek((2L << 20) + 8192);
            file.readFully(after);
            assertThat(before).isEqualTo(marker);
            assertThat(after).isEqualTo(marker);
        }
    }

    private FileRegion region() {
        return FileRegion.whole(dir.resolve("disk.img"));
    }

    private EdfFileSystem format(int blockSize, DiskLayout layout, long bytes) throws IOException {
        Path image = dir.resolve("disk.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(bytes);
        }
        return EdfFileSystem.format(region(), blockSize, layout, "TEST01");
    }

    static List<byte[]> randomRecords(Random random, int count, int minLength, int maxLength) {
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] record = new byte[minLength + random.nextInt(maxLength - minLength + 1)];
            random.nextBytes(record);
            records.add(record);
        }
        return records;
    }
}
