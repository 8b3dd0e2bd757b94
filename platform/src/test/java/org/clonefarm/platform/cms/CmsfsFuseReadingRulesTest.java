package org.clonefarm.platform.cms;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.clonefarm.platform.io.FileRegion;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our images read right by the rules the Linux reader (s390-tools cmsfs-fuse) follows, modelled here
 * from its documented behaviour because the reader itself runs only on s390x: the directory is walked
 * block by block up to the first empty FST, and a V file's size comes from the last pointer entry's
 * displacement plus the records that start in the last block. A wrong displacement would make that
 * reader report (and print) a wrong size, even though our own reader never uses it.
 */
@Timeout(60)
class CmsfsFuseReadingRulesTest {

    @TempDir
    Path dir;

    /** Every V file's size by the cmsfs-fuse rule equals its records plus one newline each. */
    @ParameterizedTest
    @ValueSource(ints = {512, 1024, 2048, 4096})
    void variableFileSizesFollowFromTheLastPointerEntry(int blockSize) throws IOException {
        Path image = dir.resolve("rules.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(8L << 20);
        }
        Random random = new Random(blockSize);
        List<List<byte[]>> shapes = new ArrayList<>();
        shapes.add(List.of(new byte[] {1}));
        shapes.add(List.of(new byte[blockSize - 2]));                       // fills one block exactly
        shapes.add(List.of(new byte[blockSize - 1], new byte[5]));          // header split by the block end
        shapes.add(List.of(new byte[3 * blockSize + 10]));                  // last block: only a tail, then the end
        shapes.add(List.of(new byte[2 * blockSize - 2], new byte[blockSize - 2])); // ends on a block boundary
        shapes.add(EdfRoundTripTest.randomRecords(random, 3000, 1, 30));    // one level
        shapes.add(EdfRoundTripTest.randomRecords(random, 2000, 1, 2 * Math.min(blockSize, 1024))); // two levels
        try (EdfFileSystem fs = EdfFileSystem.format(FileRegion.whole(image), blockSize, DiskLayout.CKD, "RULES")) {
            for (int i = 0; i < shapes.size(); i++) {
                fs.write(CmsFileId.of("SHAPE" + i, "V"), RecordFormat.V, 0, shapes.get(i));
            }
            assertThat(fs.list()).extracting(CmsFile::pointerLevels).contains(0, 1, 2); // 3 at 512-byte blocks
        }
        try (RandomAccessFile disk = new RandomAccessFile(image.toFile(), "r")) {
            List<byte[]> fsts = directoryByTheReaderRules(disk, blockSize);
            assertThat(fsts).hasSize(shapes.size());
            for (int i = 0; i < shapes.size(); i++) {
                long expected = shapes.get(i).stream().mapToLong(record -> record.length + 1L).sum();
                assertThat(textSizeByTheReaderRules(disk, blockSize, fsts.get(i))).as("shape %d", i).isEqualTo(expected);
            }
        }
    }

    /** The directory as the reader walks it: FST 0's pointer tree, each block up to the first empty FST. */
    private static List<byte[]> directoryByTheReaderRules(RandomAccessFile disk, int blockSize) throws IOException {
        byte[] first = block(disk, blockSize, 4);
        int levels = first[0x34];
        List<Long> blocks = new ArrayList<>();
        collect(disk, blockSize, levels == 0 ? 4 : u32(first, 0x28), levels, blocks);
        List<byte[]> files = new ArrayList<>();
        for (long number : blocks) {
            byte[] bytes = block(disk, blockSize, number);
            for (int offset = 0; offset < blockSize; offset += 64) {
                byte[] fst = java.util.Arrays.copyOfRange(bytes, offset, offset + 64);
                if (u32(fst, 0) == 0 && u32(fst, 4) == 0) {
                    if (IntStream.range(0, 8).allMatch(k -> fst[k] == 0)) {
                        break; // first empty slot ends this block's scan
                    }
                }
                boolean directoryOrMap = fst[0] == 0 && fst[1] == 0 && fst[2] == 0 && (fst[3] == 1 || fst[3] == 2);
                if (!directoryOrMap) {
                    files.add(fst);
                }
            }
        }
        return files;
    }

    private static void collect(RandomAccessFile disk, int blockSize, long block, int level, List<Long> out)
            throws IOException {
        if (level == 0) {
            out.add(block);
            return;
        }
        byte[] pointers = block(disk, blockSize, block);
        for (int offset = 0; offset < blockSize; offset += 4) {
            long next = u32(pointers, offset);
            if (next == 0) {
                break;
            }
            collect(disk, blockSize, next, level - 1, out);
        }
    }

    /** st_size in text mode: on-disk size from the last V pointer entry, minus headers, plus newlines. */
    private static long textSizeByTheReaderRules(RandomAccessFile disk, int blockSize, byte[] fst) throws IOException {
        long records = u32(fst, 0x30);
        long dataBlocks = u32(fst, 0x2C);
        int levels = fst[0x34];
        long total = 0;
        long position;
        boolean scan = true;
        if (levels > 0) {
            long block = u32(fst, 0x28);
            long[] entry = null;
            for (int level = levels; level > 0; level--) {
                byte[] pointers = block(disk, blockSize, block);
                int last = (int) u32(pointers, blockSize - 4);
                assertThat(last % 12).isZero();
                entry = new long[] {u32(pointers, last), u32(pointers, last + 4), u32(pointers, last + 8)};
                assertThat(entry[1]).as("record number of the last entry").isEqualTo(records);
                block = entry[0];
            }
            position = (entry[0] - 1) * blockSize;
            if (entry[2] == 0xFFFFFFFFL) {
                total += blockSize;
                scan = false;
            } else {
                position += entry[2];
                total += entry[2];
            }
        } else {
            position = (u32(fst, 0x28) - 1) * blockSize;
        }
        if (scan) {
            long left = blockSize - position % blockSize;
            while (left >= 2) {
                disk.seek(position);
                int length = disk.readUnsignedShort();
                if (length == 0) {
                    break;
                }
                total += length + 2;
                left -= length + 2;
                position += length + 2;
            }
        }
        total += (dataBlocks - 1) * blockSize;
        return total - records * 2 + records;
    }

    private static byte[] block(RandomAccessFile disk, int blockSize, long number) throws IOException {
        byte[] bytes = new byte[blockSize];
        disk.seek((number - 1) * blockSize);
        disk.readFully(bytes);
        return bytes;
    }

    private static long u32(byte[] bytes, int offset) {
        return ((bytes[offset] & 0xFFL) << 24) | ((bytes[offset + 1] & 0xFFL) << 16) | ((bytes[offset + 2] & 0xFFL) << 8)
                | (bytes[offset + 3] & 0xFFL);
    }
}
