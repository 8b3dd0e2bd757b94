package org.clonefarm.worker.service.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneEvent.FactCase;
import org.clonefarm.proto.DiskCopied;
import org.clonefarm.worker.disk.FakeZvm;
import org.clonefarm.worker.disk.FlashcopyPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refresh killed (SIGKILL) mid-copy resumes: the next run rewrites only what the killed one had not made
 * durable, and the clone ends equal to the changed master; refreshed again without a master change, it is
 * left as it is (nothing written).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RefreshCrashResumeTest {
    /** The root disk: 192 MiB of FB-512 blocks. */
    private static final long BLOCKS = 192L * 2048;
    private static final long MIB = CpPathHarness.MIB;
    /** The part of the master's root that changes: 160 MiB from 16 MiB on, long enough to be killed mid-refresh. */
    private static final long CHANGED_FROM = 16 * MIB;
    private static final long CHANGED = 160 * MIB;

    @TempDir
    Path dir;
    private Process child;
    private CpPathHarness harness;

    @AfterEach
    void cleanUp() throws Exception {
        if (child != null && child.isAlive()) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void killedRefreshResumesWithoutRewritingWhatWasDurableAndASecondRefreshChangesNothing() throws Exception {
        FakeZvm zvm = CpPathHarness.createFarm(dir, BLOCKS);
        harness = CpPathHarness.open(dir, zvm, FlashcopyPolicy.NEVER, CpPathHarness.options(dir),
                CpPathCrashChild.crashOptions());
        assertThat(harness.copy(CpPathHarness.request(true, BLOCKS))).isEqualTo(CloneJob.Outcome.FINISHED);
        harness.close();
        harness = null;
        Path masterRoot = zvm.fileOf(CpPathHarness.MASTER, "0201");
        Path cloneRoot = zvm.fileOf(CpPathHarness.CLONE, "0201");
        scribble(masterRoot, CHANGED_FROM, CHANGED, 5);
        scribble(cloneRoot, 180 * MIB + 4096, 4096, 6); // the clone's own change, outside the master's

        CpPathCrashChild.Started started = CpPathCrashChild.start(dir.toString(), String.valueOf(BLOCKS), "1000", "10FF",
                "2", "v1");
        child = started.process();
        List<String> output = started.output();
        // killed at its first durable progress on the root: some rewritten chunks are checkpointed, not all
        await().atMost(Duration.ofSeconds(90)).until(() -> output.stream().anyMatch(l -> l.startsWith("progress 0201 "))
                || !child.isAlive());
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(output).as("child output").noneMatch(l -> l.startsWith("outcome"))
                .anyMatch(l -> l.startsWith("progress 0201 "));

        harness = CpPathHarness.open(dir, zvm, FlashcopyPolicy.NEVER,
                CpPathHarness.options(dir).withVdevs(Vaddr.of("2000"), Vaddr.of("20FF")), CpPathCrashChild.crashOptions());
        harness.access.reconcile();
        assertThat(harness.copy(CpPathCrashChild.refresh(BLOCKS, 2, "v1"))).isEqualTo(CloneJob.Outcome.FINISHED);
        DiskCopied root = diskCopied("0201");
        assertThat(root.getMethod()).isEqualTo("refreshed");
        // the master's 160 changed chunks and the clone's own one had to be written; the killed run made some durable
        assertThat(root.getBytesWritten()).as("bytes the resumed refresh wrote").isPositive()
                .isLessThan(CHANGED + MIB);
        assertThat(diskCopied("0202").getBytesWritten()).as("the unchanged disk").isZero();
        assertThat(Files.mismatch(masterRoot, cloneRoot)).as("the clone's root is the changed master's").isEqualTo(-1);
        assertThat(Files.mismatch(zvm.fileOf(CpPathHarness.MASTER, "0202"), zvm.fileOf(CpPathHarness.CLONE, "0202")))
                .isEqualTo(-1);

        // refreshed again without a master change, after the clone changed itself: nothing is written
        scribble(cloneRoot, 8 * MIB, 4096, 7);
        byte[] cloneNow = Files.readAllBytes(cloneRoot);
        int before = harness.events(FactCase.DISK_COPIED).size();
        assertThat(harness.copy(CpPathCrashChild.refresh(BLOCKS, 3, "v2"))).isEqualTo(CloneJob.Outcome.FINISHED);
        List<CloneEvent> second = harness.events(FactCase.DISK_COPIED).subList(before, before + 2);
        assertThat(second).allSatisfy(e -> {
            assertThat(e.getDiskCopied().getMethod()).isEqualTo("unchanged");
            assertThat(e.getDiskCopied().getBytesWritten()).isZero();
        });
        assertThat(harness.events(FactCase.CLONE_COPIED)).last().satisfies(e ->
                assertThat(e.getCloneCopied().getUnchanged()).isTrue());
        assertThat(Files.readAllBytes(cloneRoot)).as("the clone is unchanged by the second refresh").isEqualTo(cloneNow);
    }

    private DiskCopied diskCopied(String vaddr) {
        return harness.events(FactCase.DISK_COPIED).stream().filter(e -> e.getAttempt() == 2)
                .map(CloneEvent::getDiskCopied).filter(d -> d.getVaddr().equals(vaddr)).findFirst().orElseThrow();
    }

    private static void scribble(Path file, long offset, long length, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] block = new byte[(int) Math.min(MIB, length)];
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (long at = 0; at < length; at += block.length) {
                random.nextBytes(block);
                ByteBuffer buffer = ByteBuffer.wrap(block);
                while (buffer.hasRemaining()) {
                    out.write(buffer, offset + at + buffer.position());
                }
            }
            out.force(true);
        }
    }
}
