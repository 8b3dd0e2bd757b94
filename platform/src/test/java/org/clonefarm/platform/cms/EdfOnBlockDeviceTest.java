package org.clonefarm.platform.cms;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.LoopDevice;
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
        try (LoopDevice loop = LoopDevice.attach(FileRegion.whole(image), false)) {
            try (EdfFileSystem fs = EdfFileSystem.format(FileRegion.whole(loop.device()), 4096, DiskLayout.CKD, "LNX191")) {
                fs.writeLines(CmsFileId.of("CLONES", "NAMES"), RecordFormat.F, 80,
                        List.of(":nick.LINUX001 :ipaddr.10.1.1.21", ":nick.LINUX002 :ipaddr.10.1.1.22"));
            }
            try (EdfFileSystem fs = EdfFileSystem.open(FileRegion.whole(loop.device()))) {
                assertThat(fs.volume().totalBlocks()).isEqualTo(512);
                assertThat(fs.readLines(CmsFileId.of("clones", "names")).get(1).stripTrailing())
                        .isEqualTo(":nick.LINUX002 :ipaddr.10.1.1.22");
            }
        }
        try (EdfFileSystem fs = EdfFileSystem.open(FileRegion.whole(image))) {
            assertThat(fs.list()).extracting(CmsFile::id).containsExactly(CmsFileId.of("CLONES", "NAMES"));
        }
    }
}
