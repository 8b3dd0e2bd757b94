package org.clonefarm.platform.cms;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clonefarm.platform.io.FileRegion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CMS disk on a block device, as the guest agent meets its linked 191 disk: formatted and read
 * through a real loop device (root needed, as in CI), whose size comes from the device, not a file.
 */
@Timeout(60)
class EdfOnBlockDeviceTest {

    @TempDir
    Path dir;

    /** A loop device is formatted whole, written, and read back through the device and through the image. */
    @Test
    void formatsWritesAndReadsALoopDevice() throws Exception {
        Path image = dir.resolve("191.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(2L << 20);
        }
        String device = run("losetup", "--find", "--show", image.toString()).strip();
        try {
            try (EdfFileSystem fs = EdfFileSystem.format(FileRegion.whole(Path.of(device)), 4096, DiskLayout.CKD, "LNX191")) {
                fs.writeLines(CmsFileId.of("CLONES", "NAMES"), RecordFormat.F, 80,
                        List.of(":nick.LINUX001 :ipaddr.10.1.1.21", ":nick.LINUX002 :ipaddr.10.1.1.22"));
            }
            try (EdfFileSystem fs = EdfFileSystem.open(FileRegion.whole(Path.of(device)))) {
                assertThat(fs.volume().totalBlocks()).isEqualTo(512);
                assertThat(fs.readLines(CmsFileId.of("clones", "names")).get(1).stripTrailing())
                        .isEqualTo(":nick.LINUX002 :ipaddr.10.1.1.22");
            }
        } finally {
            run("losetup", "--detach", device);
        }
        try (EdfFileSystem fs = EdfFileSystem.open(FileRegion.whole(image))) {
            assertThat(fs.list()).extracting(CmsFile::id).containsExactly(CmsFileId.of("CLONES", "NAMES"));
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IOException(String.join(" ", command) + " did not finish in 30 s");
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed (" + process.exitValue() + "): " + output);
            }
            return output;
        } finally {
            process.destroyForcibly();
        }
    }
}
