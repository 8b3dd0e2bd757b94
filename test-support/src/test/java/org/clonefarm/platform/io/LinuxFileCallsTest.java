package org.clonefarm.platform.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.clonefarm.testsupport.LoopMountedFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Linux file calls through JNA, on real files. */
class LinuxFileCallsTest {
    private static final int MIB = 1024 * 1024;

    /** lseek(SEEK_DATA) finds the data after a hole, and ENXIO tells of the hole at the end. */
    @Test
    void seekDataFindsDataAfterAHoleAndReportsTheTrailingHole(@TempDir Path dir) throws Exception {
        assertThat(LinuxFileCalls.available()).as(LinuxFileCalls.unavailableReason().orElse("")).isTrue();
        Path file = dir.resolve("sparse.img");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(8L * MIB);
            raf.seek(4L * MIB);
            raf.write(new byte[] {1, 2, 3});
        }
        int fd = LinuxFileCalls.open(file, LinuxFileCalls.O_RDONLY | LinuxFileCalls.O_CLOEXEC);
        try {
            // the temp dir's file system (ext4, xfs, tmpfs) knows its holes
            assertThat(LinuxFileCalls.lseek(fd, 0, LinuxFileCalls.SEEK_DATA)).isEqualTo(4L * MIB);
            assertThatThrownBy(() -> LinuxFileCalls.lseek(fd, 6L * MIB, LinuxFileCalls.SEEK_DATA))
                    .isInstanceOfSatisfying(LinuxFileCalls.ErrnoException.class,
                            e -> assertThat(e.errno()).isEqualTo(LinuxFileCalls.ENXIO));
        } finally {
            LinuxFileCalls.close(fd);
        }
    }

    /** copy_file_range copies the asked bytes at the given offsets, leaves the rest alone, and returns 0 at the source's end. */
    @Test
    void copyFileRangeCopiesBetweenOffsets(@TempDir Path dir) throws Exception {
        byte[] data = new byte[3 * MIB];
        new Random(7).nextBytes(data);
        Path source = Files.write(dir.resolve("source.img"), data);
        Path target = Files.write(dir.resolve("target.img"), new byte[4 * MIB]);
        int in = LinuxFileCalls.open(source, LinuxFileCalls.O_RDONLY | LinuxFileCalls.O_CLOEXEC);
        int out = LinuxFileCalls.open(target, LinuxFileCalls.O_WRONLY | LinuxFileCalls.O_CLOEXEC);
        try {
            long copied = 0;
            while (copied < 2 * MIB) {
                copied += LinuxFileCalls.copyFileRange(in, MIB + copied, out, 4096 + copied, 2L * MIB - copied);
            }
            assertThat(LinuxFileCalls.copyFileRange(in, 3L * MIB, out, 0, MIB)).isZero();
        } finally {
            LinuxFileCalls.close(in);
            LinuxFileCalls.close(out);
        }
        byte[] result = Files.readAllBytes(target);
        assertThat(Arrays.copyOfRange(result, 4096, 4096 + 2 * MIB)).isEqualTo(Arrays.copyOfRange(data, MIB, 3 * MIB));
        assertThat(Arrays.copyOfRange(result, 0, 4096)).containsOnly(0);
        assertThat(Arrays.copyOfRange(result, 4096 + 2 * MIB, 4 * MIB)).containsOnly(0);
    }

    /**
     * FICLONERANGE on XFS with reflink shares the range: the target reads as the source and the file system
     * holds the bytes once; ext4 answers EOPNOTSUPP. Real file systems on loop devices, removed afterwards.
     */
    @Test
    void cloneRangeSharesExtentsOnXfsAndIsRefusedOnExt4(@TempDir Path dir) throws Exception {
        byte[] data = new byte[16 * MIB];
        new Random(11).nextBytes(data);
        Path xfsDir = Files.createDirectories(dir.resolve("xfs"));
        try (LoopMountedFileSystem xfs = LoopMountedFileSystem.create(xfsDir, 300, "mkfs.xfs", "-q", "-m", "reflink=1")) {
            Path source = Files.write(xfs.mountPoint().resolve("source.img"), data);
            Path target = xfs.mountPoint().resolve("target.img");
            try (RandomAccessFile file = new RandomAccessFile(target.toFile(), "rw")) {
                file.setLength(20L * MIB);
            }
            forceAll(source, target);
            long usedBefore = xfs.usedBytes();
            cloneRange(source, 4L * MIB, 8L * MIB, target, 12L * MIB);
            forceAll(source, target);
            assertThat(xfs.usedBytes() - usedBefore).as("bytes the clone took").isLessThan(MIB);
            byte[] result = Files.readAllBytes(target);
            assertThat(Arrays.copyOfRange(result, 12 * MIB, 20 * MIB)).isEqualTo(Arrays.copyOfRange(data, 4 * MIB, 12 * MIB));
        }
        Path ext4Dir = Files.createDirectories(dir.resolve("ext4"));
        try (LoopMountedFileSystem ext4 = LoopMountedFileSystem.create(ext4Dir, 64, "mkfs.ext4", "-q", "-F")) {
            Path source = Files.write(ext4.mountPoint().resolve("source.img"), Arrays.copyOf(data, MIB));
            Path target = Files.write(ext4.mountPoint().resolve("target.img"), new byte[MIB]);
            assertThatThrownBy(() -> cloneRange(source, 0, MIB, target, 0))
                    .isInstanceOfSatisfying(LinuxFileCalls.ErrnoException.class,
                            e -> assertThat(e.errno()).isEqualTo(LinuxFileCalls.EOPNOTSUPP));
        }
    }

    private static void cloneRange(Path source, long sourceAt, long length, Path target, long targetAt) throws Exception {
        int in = LinuxFileCalls.open(source, LinuxFileCalls.O_RDONLY | LinuxFileCalls.O_CLOEXEC);
        try {
            int out = LinuxFileCalls.open(target, LinuxFileCalls.O_WRONLY | LinuxFileCalls.O_CLOEXEC);
            try {
                LinuxFileCalls.cloneRange(in, sourceAt, length, out, targetAt);
            } finally {
                LinuxFileCalls.close(out);
            }
        } finally {
            LinuxFileCalls.close(in);
        }
    }

    private static void forceAll(Path... files) throws Exception {
        for (Path file : files) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
        }
    }

    /** A failed call carries its errno, and the message names the file and the error by name. */
    @Test
    void failedCallCarriesTheErrnoAndNamesTheFile(@TempDir Path dir) {
        Path missing = dir.resolve("missing.img");
        assertThatThrownBy(() -> LinuxFileCalls.open(missing, LinuxFileCalls.O_RDONLY))
                .isInstanceOfSatisfying(LinuxFileCalls.ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(2))
                .hasMessageContaining(missing.toString()).hasMessageContaining("ENOENT");
        assertThat(LinuxFileCalls.describe(95)).startsWith("EOPNOTSUPP (");
    }
}
