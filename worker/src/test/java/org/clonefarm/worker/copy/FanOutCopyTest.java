package org.clonefarm.worker.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.testsupport.LoopMountedFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Copies of one source to several targets at once read each source chunk once, and each target stands alone. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FanOutCopyTest {
    private static final int MIB = 1024 * 1024;
    private static final CopyOptions OPTIONS = CopyOptions.defaults().withChunkSize(MIB).withForceBytes(4L * MIB)
            .withMaxInFlight(2);

    @TempDir
    Path dir;

    /** Eight targets copied at once: the source's bytes are read once in all, and every target is exact. */
    @Test
    void eightTargetsReadTheSourceOnceAndEachGetsTheDigestOfASingleCopy() throws Exception {
        long size = 64L * MIB;
        Path src = TestDisks.randomFile(dir.resolve("master.img"), size, 11);
        List<CopyEngine.FanOutCopy> copies = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            copies.add(new CopyEngine.FanOutCopy(new CopyPlan(FileRegion.whole(src),
                    FileRegion.whole(dir.resolve("clone" + i + ".img")), OPTIONS, null), null, null));
        }
        try (CheckpointStore store = CheckpointStore.open(dir.resolve("checkpoints"));
                CopyEngine engine = new CopyEngine(store)) {
            List<CopyResult> results = new ArrayList<>();
            for (CompletableFuture<CopyResult> copy : engine.copyAll(copies)) {
                results.add(copy.get(60, TimeUnit.SECONDS));
            }
            String single = TestDisks.diskDigest(src, 0, size, MIB);
            long read = 0;
            for (int i = 0; i < 8; i++) {
                CopyResult result = results.get(i);
                assertThat(result.outcome()).isEqualTo(CopyOutcome.COMPLETED);
                assertThat(result.digest()).as("digest of target %d", i).isEqualTo(single);
                assertThat(result.bytesWritten()).as("written to target %d", i).isEqualTo(size);
                assertThat(Files.mismatch(src, dir.resolve("clone" + i + ".img"))).as("target %d", i).isEqualTo(-1);
                read += result.bytesReadSource();
            }
            // all join before the first read, and the scan holds more chunks than the source has: read once, exactly
            assertThat(read).as("source bytes read for 8 targets of %d", size).isEqualTo(size);
        }
    }

    /** A copy on its own reads its whole source, as before; two copies one after the other read it twice. */
    @Test
    void copiesOneAfterAnotherEachReadTheirSource() throws Exception {
        long size = 16L * MIB;
        Path src = TestDisks.randomFile(dir.resolve("master.img"), size, 12);
        try (CopyEngine engine = new CopyEngine(null)) {
            for (int i = 0; i < 2; i++) {
                CopyResult result = engine.copyAndWait(new CopyPlan(FileRegion.whole(src),
                        FileRegion.whole(dir.resolve("clone" + i + ".img")), OPTIONS, null), null, null);
                assertThat(result.bytesReadSource()).isEqualTo(size);
            }
        }
    }

    /** Two paths to one source (as two LINKs of one minidisk) share their reads when the plans name one source key. */
    @Test
    void plansWithOneSourceKeyShareReadsAcrossPaths() throws Exception {
        long size = 32L * MIB;
        Path src = TestDisks.randomFile(dir.resolve("master.img"), size, 13);
        Path link = Files.createSymbolicLink(dir.resolve("master-link.img"), src);
        try (CheckpointStore store = CheckpointStore.open(dir.resolve("checkpoints"));
                CopyEngine engine = new CopyEngine(store)) {
            List<CompletableFuture<CopyResult>> copies = engine.copyAll(List.of(
                    new CopyEngine.FanOutCopy(new CopyPlan(FileRegion.whole(src), FileRegion.whole(dir.resolve("a.img")),
                            OPTIONS, null, "minidisk MASTER 0201"), null, null),
                    new CopyEngine.FanOutCopy(new CopyPlan(FileRegion.whole(link), FileRegion.whole(dir.resolve("b.img")),
                            OPTIONS, null, "minidisk MASTER 0201"), null, null)));
            long read = copies.get(0).get(60, TimeUnit.SECONDS).bytesReadSource()
                    + copies.get(1).get(60, TimeUnit.SECONDS).bytesReadSource();
            assertThat(read).isEqualTo(size);
            assertThat(Files.mismatch(src, dir.resolve("a.img"))).isEqualTo(-1);
            assertThat(Files.mismatch(src, dir.resolve("b.img"))).isEqualTo(-1);
        }
    }

    /**
     * One target fills up mid-fan-out: its copy fails as TARGET_FULL with its own path, the others finish exact, and
     * once there is room a rerun of the failed one continues from its checkpoints.
     */
    @Test
    void aFullTargetFailsAloneAndTheOthersFinish() throws Exception {
        long size = 24L * MIB;
        Path src = TestDisks.randomFile(dir.resolve("master.img"), size, 14);
        try (LoopMountedFileSystem small = LoopMountedFileSystem.create(dir, 48, "mkfs.ext4", "-q", "-F", "-m", "0");
                CheckpointStore store = CheckpointStore.open(dir.resolve("checkpoints"));
                CopyEngine engine = new CopyEngine(store)) {
            Path ballast = small.mountPoint().resolve("ballast");
            long free = Files.getFileStore(small.mountPoint()).getUsableSpace();
            TestDisks.randomFile(ballast, free - 12L * MIB, 15); // about half the room the copy needs
            Path full = small.mountPoint().resolve("clone-full.img");
            List<Path> targets = List.of(dir.resolve("clone0.img"), full, dir.resolve("clone2.img"),
                    dir.resolve("clone3.img"));
            List<CopyEngine.FanOutCopy> copies = new ArrayList<>();
            for (Path target : targets) {
                copies.add(new CopyEngine.FanOutCopy(new CopyPlan(FileRegion.whole(src), FileRegion.whole(target),
                        OPTIONS, null), null, null));
            }
            List<CompletableFuture<CopyResult>> results = engine.copyAll(copies);

            assertThatThrownBy(() -> results.get(1).get(60, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(CopyException.class, e -> {
                        assertThat(e.kind()).isEqualTo(CopyException.Kind.TARGET_FULL);
                        assertThat(e.path()).isEqualTo(full);
                    });
            String single = TestDisks.diskDigest(src, 0, size, MIB);
            for (int i : new int[] {0, 2, 3}) {
                CopyResult result = results.get(i).get(60, TimeUnit.SECONDS);
                assertThat(result.digest()).isEqualTo(single);
                assertThat(Files.mismatch(src, targets.get(i))).as("target %d", i).isEqualTo(-1);
            }
            CopyPlan failed = copies.get(1).plan();
            long checkpointed = store.load(failed.effectiveCopyId()).orElseThrow().chunkDigests().size() * (long) MIB;
            assertThat(checkpointed).as("durable on the full target before it filled").isGreaterThan(0);

            Files.delete(ballast);
            CopyResult rerun = engine.copyAndWait(failed, null, null);
            assertThat(rerun.bytesSkippedCheckpoint()).isEqualTo(checkpointed);
            assertThat(rerun.digest()).isEqualTo(single);
            assertThat(Files.mismatch(src, full)).isEqualTo(-1);
        }
    }

    /** A copy that starts while another copies the same source joins it midway and still copies every chunk. */
    @Test
    void aLateCopyJoinsTheRunningScanAndCopiesTheChunksBeforeItAtTheEnd() throws Exception {
        long size = 96L * MIB;
        Path src = TestDisks.randomFile(dir.resolve("master.img"), size, 16);
        try (CheckpointStore store = CheckpointStore.open(dir.resolve("checkpoints"));
                CopyEngine engine = new CopyEngine(store)) {
            // the first copy holds still at its first progress report (its driver waits in the listener) until
            // the late one has made progress of its own: so the late one surely starts while the first runs
            CountDownLatch lateProgressed = new CountDownLatch(1);
            CompletableFuture<CopyResult> first = engine.copy(new CopyPlan(FileRegion.whole(src),
                    FileRegion.whole(dir.resolve("first.img")), OPTIONS, null), progress -> {
                        try {
                            lateProgressed.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }, null);
            CompletableFuture<CopyResult> late = engine.copy(new CopyPlan(FileRegion.whole(src),
                    FileRegion.whole(dir.resolve("late.img")), OPTIONS, null), progress -> lateProgressed.countDown(),
                    null);
            CopyResult a = first.get(60, TimeUnit.SECONDS);
            CopyResult b = late.get(60, TimeUnit.SECONDS);
            String single = TestDisks.diskDigest(src, 0, size, MIB);
            assertThat(a.digest()).isEqualTo(single);
            assertThat(b.digest()).isEqualTo(single);
            assertThat(Files.mismatch(src, dir.resolve("late.img"))).isEqualTo(-1);
            assertThat(a.bytesReadSource() + b.bytesReadSource()).isLessThan(2 * size);
        }
    }
}
