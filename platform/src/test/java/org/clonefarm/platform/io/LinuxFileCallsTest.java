package org.clonefarm.platform.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Path;
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
