package org.clonefarm.worker.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.testsupport.LoopMountedFileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A target file system that fills up mid-copy: a clean typed error, valid checkpoints, and a later run finishes. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TargetFullTest {
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path dir;
    private LoopMountedFileSystem small;
    private Path mountPoint;

    @BeforeEach
    void mountSmallFileSystem() throws Exception {
        small = LoopMountedFileSystem.create(dir, 48, "mkfs.ext4", "-q", "-F", "-m", "0");
        mountPoint = small.mountPoint();
    }

    @AfterEach
    void unmountAndDetach() throws Exception {
        if (small != null) {
            small.close();
        }
    }

    /** ENOSPC fails the copy as TARGET_FULL (retryable, with path and offset); after making room a rerun finishes. */
    @Test
    void fullTargetFailsCleanlyAndARunWithRoomFinishes() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("master.img"), 24L * MIB, 77);
        Path ballast = mountPoint.resolve("ballast");
        long free = Files.getFileStore(mountPoint).getUsableSpace();
        TestDisks.randomFile(ballast, free - 12L * MIB, 78); // leaves about half the room the copy needs
        Path dst = mountPoint.resolve("clone.img");
        CopyOptions options = CopyOptions.defaults().withChunkSize(MIB).withForceBytes(2L * MIB).withMaxInFlight(2);
        CopyPlan plan = new CopyPlan(FileRegion.whole(src), FileRegion.whole(dst), options, null);

        try (CheckpointStore store = CheckpointStore.open(dir.resolve("checkpoints"));
                CopyEngine engine = new CopyEngine(store)) {
            assertThatThrownBy(() -> engine.copyAndWait(plan, CopyListener.NONE, CopyCancellation.none()))
                    .isInstanceOfSatisfying(CopyException.class, e -> {
                        assertThat(e.kind()).isEqualTo(CopyException.Kind.TARGET_FULL);
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.path()).isEqualTo(dst);
                        assertThat(e.offset()).isBetween(0L, 24L * MIB);
                        assertThat(e.getMessage()).contains("is full").contains(dst.toString());
                    });
            long checkpointed = store.load(plan.effectiveCopyId()).orElseThrow().chunkDigests().size() * (long) MIB;
            assertThat(checkpointed).as("durable before the disk filled").isGreaterThan(0);

            Files.delete(ballast);
            CopyResult result = engine.copyAndWait(plan, CopyListener.NONE, CopyCancellation.none());

            assertThat(result.outcome()).isEqualTo(CopyOutcome.COMPLETED);
            assertThat(result.bytesSkippedCheckpoint()).isEqualTo(checkpointed);
            assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
            assertThat(result.digest()).isEqualTo(TestDisks.diskDigest(src, 0, 24L * MIB, MIB));
        }
    }
}
