package org.clonefarm.worker.copy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.testsupport.LoopMountedFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Copies between files on file systems that share extents (XFS with reflink, on a real loop device) and
 * ones that do not (ext4): shared where the file system can, written where it cannot or where asked not
 * to, byte-identical with the documented digest either way. Every mount and loop device is removed after
 * each test, also when it fails.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedExtentsTest {
    private static final int MIB = 1024 * 1024;
    private static final int CHUNK = MIB;
    private static final CopyOptions OPTIONS = CopyOptions.defaults().withChunkSize(CHUNK).withForceBytes(8L * CHUNK);

    @TempDir
    Path dir;

    /** A 40 MiB source with 4 MiB of holes and an unaligned short last chunk. */
    private static Path source(Path directory) throws Exception {
        Path source = TestDisks.randomFile(directory.resolve("master.img"), 40L * MIB + 12288 + 100, 41);
        try (RandomAccessFile file = new RandomAccessFile(source.toFile(), "rw")) {
            file.getChannel().truncate(40L * MIB + 12288 + 100);
        }
        TestDisks.run("fallocate", "--punch-hole", "--offset", String.valueOf(8 * MIB), "--length",
                String.valueOf(4 * MIB), source.toString());
        TestDisks.run("sync", "-f", source.toString());
        return source;
    }

    private static CopyResult copy(CheckpointStore store, Path source, Path target, CopyOptions options) throws Exception {
        try (CopyEngine engine = new CopyEngine(store)) {
            return engine.copyAndWait(new CopyPlan(FileRegion.whole(source), FileRegion.whole(target), options, null),
                    CopyListener.NONE, CopyCancellation.none());
        }
    }

    /**
     * On XFS with reflink the target shares the source's extents: every chunk is shared, none written, the
     * file system holds the data once, and the digest is the documented one of the bytes.
     */
    @Test
    void onXfsWithReflinkChunksAreSharedNotWritten() throws Exception {
        try (LoopMountedFileSystem xfs = LoopMountedFileSystem.create(dir, 300, "mkfs.xfs", "-q", "-m", "reflink=1");
                CheckpointStore store = CheckpointStore.open(dir.resolve("checkpoints"))) {
            Path source = source(xfs.mountPoint());
            Path target = xfs.mountPoint().resolve("clone.img");
            long usedBefore = xfs.usedBytes();

            CopyResult result = copy(store, source, target, OPTIONS.withVerify(true));

            long length = Files.size(source);
            assertThat(Files.mismatch(source, target)).isEqualTo(-1);
            assertThat(result.bytesWritten()).isZero();
            assertThat(result.bytesShared()).isEqualTo(length - 4L * MIB);
            assertThat(result.bytesSkippedZero()).isEqualTo(4L * MIB);
            assertThat(result.verified()).isTrue();
            assertThat(result.digest()).isEqualTo(TestDisks.diskDigest(source, 0, length, CHUNK));
            assertThat(xfs.usedBytes() - usedBefore).as("bytes the clone took on the file system").isLessThan(4L * MIB);
            assertThat(store.load(result.copyId()).orElseThrow().chunkDigests()).hasSize(41);
        }
    }

    /** With reflink turned off, the same copy on XFS writes its bytes (and takes their space). */
    @Test
    void onXfsWithoutReflinkTheBytesAreWritten() throws Exception {
        try (LoopMountedFileSystem xfs = LoopMountedFileSystem.create(dir, 300, "mkfs.xfs", "-q", "-m", "reflink=1");
                CheckpointStore store = CheckpointStore.open(dir.resolve("checkpoints"))) {
            Path source = source(xfs.mountPoint());
            Path target = xfs.mountPoint().resolve("clone.img");
            long usedBefore = xfs.usedBytes();

            CopyResult result = copy(store, source, target, OPTIONS.withReflink(false));

            long length = Files.size(source);
            assertThat(Files.mismatch(source, target)).isEqualTo(-1);
            assertThat(result.bytesShared()).isZero();
            assertThat(result.bytesWritten()).isEqualTo(length - 4L * MIB);
            assertThat(xfs.usedBytes() - usedBefore).isGreaterThan(30L * MIB);
        }
    }

    /** A shared copy that was interrupted resumes from its checkpoints and shares the rest. */
    @Test
    void anInterruptedSharedCopyResumesFromItsCheckpoints() throws Exception {
        try (LoopMountedFileSystem xfs = LoopMountedFileSystem.create(dir, 300, "mkfs.xfs", "-q", "-m", "reflink=1");
                CheckpointStore store = CheckpointStore.open(dir.resolve("checkpoints"))) {
            Path source = source(xfs.mountPoint());
            Path target = xfs.mountPoint().resolve("clone.img");
            CopyResult first = copy(store, source, target, OPTIONS);
            java.util.List<Long> lost = new java.util.ArrayList<>();
            for (long chunk = 20; chunk < 41; chunk++) {
                lost.add(chunk);
            }
            store.forget(first.copyId(), lost);
            TestDisks.run("fallocate", "--punch-hole", "--offset", String.valueOf(20L * MIB), "--length",
                    String.valueOf(21L * MIB), target.toString()); // what the killed run had not shared yet

            CopyResult resumed = copy(store, source, target, OPTIONS);

            assertThat(resumed.bytesSkippedCheckpoint()).isEqualTo(20L * MIB);
            assertThat(resumed.bytesShared()).isEqualTo(Files.size(source) - 20L * MIB);
            assertThat(resumed.digest()).isEqualTo(first.digest());
            assertThat(Files.mismatch(source, target)).isEqualTo(-1);
        }
    }

    /**
     * On ext4, which cannot share extents, the copy writes the bytes; {@code --io TRANSFER_TO} copies them in the
     * kernel with copy_file_range. Both are byte-identical with the documented digest.
     */
    @Test
    void onExt4TheBytesAreWrittenAndCopyFileRangeCopiesThem() throws Exception {
        try (LoopMountedFileSystem ext4 = LoopMountedFileSystem.create(dir, 200, "mkfs.ext4", "-q", "-F");
                CheckpointStore store = CheckpointStore.open(dir.resolve("checkpoints"))) {
            Path source = source(ext4.mountPoint());
            long length = Files.size(source);

            CopyResult written = copy(store, source, ext4.mountPoint().resolve("written.img"), OPTIONS);
            CopyResult transferred = copy(store, source, ext4.mountPoint().resolve("transferred.img"),
                    OPTIONS.withIoMode(CopyOptions.IoMode.TRANSFER_TO).withVerify(true));

            for (CopyResult result : new CopyResult[] {written, transferred}) {
                assertThat(result.bytesShared()).isZero();
                assertThat(result.bytesWritten()).isEqualTo(length - 4L * MIB);
                assertThat(result.digest()).isEqualTo(TestDisks.diskDigest(source, 0, length, CHUNK));
            }
            assertThat(Files.mismatch(source, ext4.mountPoint().resolve("written.img"))).isEqualTo(-1);
            assertThat(Files.mismatch(source, ext4.mountPoint().resolve("transferred.img"))).isEqualTo(-1);
            assertThat(transferred.verified()).isTrue();
        }
    }
}
