package org.clonefarm.worker.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.proto.DeviceType;
import org.clonefarm.proto.DiskExtent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a target's file system starts, and a target without one is refused before anything is mounted. */
class TargetFileSystemTest {
    private static final long SIZE = 4 * 1024 * 1024;

    @TempDir
    Path dir;

    /** An image of {@code SIZE} bytes holding an ext4 made by mkfs.ext4 at byte {@code start}, random before it. */
    private Path imageWithExt4At(long start) throws Exception {
        Path fs = dir.resolve("fs-" + start + ".img");
        try (RandomAccessFile file = new RandomAccessFile(fs.toFile(), "rw")) {
            file.setLength(SIZE - start);
        }
        Process mkfs = new ProcessBuilder("mkfs.ext4", "-q", "-F", "-b", "1024", fs.toString()).redirectErrorStream(true)
                .start();
        String output = new String(mkfs.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(mkfs.waitFor()).as(output).isZero();
        Path image = dir.resolve("image-" + start + ".img");
        byte[] noise = new byte[(int) start];
        new Random(start).nextBytes(noise);
        try (RandomAccessFile out = new RandomAccessFile(image.toFile(), "rw")) {
            out.write(noise);
            out.write(Files.readAllBytes(fs));
        }
        return image;
    }

    @Test
    void fileSystemAtTheFirstByteIsFoundOnEveryDeviceType() throws Exception {
        FileRegion region = new FileRegion(imageWithExt4At(0), 0, SIZE);

        assertThat(TargetFileSystem.fileSystemStart(region, DeviceType.DEVICE_TYPE_FB_512)).hasValue(0);
        assertThat(TargetFileSystem.fileSystemStart(region, DeviceType.DEVICE_TYPE_3390)).hasValue(0);
    }

    @Test
    void fileSystemInTheFirstCdlPartitionIsFoundOnA3390Only() throws Exception {
        FileRegion region = new FileRegion(imageWithExt4At(TargetFileSystem.CDL_FIRST_PARTITION), 0, SIZE);

        assertThat(TargetFileSystem.fileSystemStart(region, DeviceType.DEVICE_TYPE_3390))
                .hasValue(TargetFileSystem.CDL_FIRST_PARTITION);
        assertThat(TargetFileSystem.fileSystemStart(region, DeviceType.DEVICE_TYPE_FB_512)).isEmpty();
    }

    @Test
    void targetWithoutAFileSystemIsRefusedAsNotRetryableNamingTheDisk() throws Exception {
        Path image = dir.resolve("random.img");
        byte[] noise = new byte[(int) SIZE];
        new Random(1).nextBytes(noise);
        Files.write(image, noise);
        AttachedDisk target = new AttachedDisk(DiskExtent.newBuilder().setOwner("LNX0001").setVaddr("0202")
                .setDeviceType(DeviceType.DEVICE_TYPE_FB_512).build(), MinidiskAccess.Mode.WRITE,
                new FileRegion(image, 0, SIZE), Optional.empty());

        assertThatThrownBy(() -> TargetFileSystem.mount(target, dir.resolve("mnt")))
                .isInstanceOfSatisfying(DiskAccessException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("LNX0001 0202").hasMessageContaining("holds no ext2/3/4 or XFS file system");
        assertThat(dir.resolve("mnt")).doesNotExist();
    }
}
