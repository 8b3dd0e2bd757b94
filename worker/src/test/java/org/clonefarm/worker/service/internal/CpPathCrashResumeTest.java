package org.clonefarm.worker.service.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * A worker killed (SIGKILL) mid-copy on the cp path leaves its links in CP and in its state file; the next
 * start detaches them, and the copy resumes from its checkpoints on other vdevs: checkpoints are keyed by
 * what is copied, not by where it was linked.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CpPathCrashResumeTest {
    /** The root disk: 192 MiB of FB-512 blocks, long enough to be killed mid-copy. */
    private static final long BLOCKS = 192L * 2048;

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
    void killedCopyIsDetachedAtTheNextStartAndResumesFromItsCheckpointsOnNewVdevs() throws Exception {
        FakeZvm zvm = CpPathHarness.createFarm(dir, BLOCKS);
        CpPathCrashChild.Started started = CpPathCrashChild.start(dir.toString(), String.valueOf(BLOCKS), "1000", "10FF");
        child = started.process();
        List<String> output = started.output();

        // killed right after its first checkpoint (its first progress event), mid-copy
        await().atMost(Duration.ofSeconds(60)).until(() -> output.contains("event COPY_PROGRESS") || !child.isAlive());
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(output).as("child output").doesNotContain("outcome FINISHED").contains("event COPY_PROGRESS");
        List<String> leftInCp = zvm.links().stream().map(l -> l.split(" ")[0]).toList();
        Path stateFile = dir.resolve("state").resolve("links-w1");
        assertThat(leftInCp).as("what the killed worker had linked").isNotEmpty()
                .allSatisfy(v -> assertThat(v).startsWith("10"));
        assertThat(Files.readAllLines(stateFile)).as("its state file").isNotEmpty();

        harness = CpPathHarness.open(dir, zvm, FlashcopyPolicy.NEVER,
                CpPathHarness.options(dir).withVdevs(Vaddr.of("2000"), Vaddr.of("20FF")), CpPathCrashChild.crashOptions(),
                new org.apache.kafka.clients.producer.MockProducer<>(true, null,
                        new org.apache.kafka.common.serialization.StringSerializer(),
                        new org.apache.kafka.common.serialization.ByteArraySerializer()));
        harness.access.reconcile();

        assertThat(zvm.detachedVdevs()).as("the next start detaches what the killed one left").containsAll(leftInCp);
        assertThat(zvm.links()).isEmpty();
        assertThat(Files.readAllLines(stateFile)).isEmpty();

        assertThat(harness.copy(CpPathHarness.request(true, BLOCKS))).isEqualTo(CloneJob.Outcome.FINISHED);

        DiskCopied root = harness.events(FactCase.DISK_COPIED).stream().map(CloneEvent::getDiskCopied)
                .filter(d -> d.getVaddr().equals("0201")).findFirst().orElseThrow();
        assertThat(root.getMethod()).isEqualTo("resumed");
        assertThat(root.getBytesSkipped()).as("checkpointed bytes skipped").isPositive();
        assertThat(zvm.commands()).filteredOn(c -> c.startsWith("LINK ")).extracting(c -> c.split(" ")[3])
                .as("the restarted copy linked at new vdevs").contains(leftInCp.toArray(String[]::new))
                .filteredOn(v -> v.startsWith("20")).hasSize(4);
        assertThat(Files.mismatch(zvm.fileOf(CpPathHarness.MASTER, "0201"), zvm.fileOf(CpPathHarness.CLONE, "0201")))
                .isEqualTo(-1);
        assertThat(Files.mismatch(zvm.fileOf(CpPathHarness.MASTER, "0202"), zvm.fileOf(CpPathHarness.CLONE, "0202")))
                .isEqualTo(-1);
        assertThat(zvm.links()).isEmpty();
        assertThat(Files.readAllLines(stateFile)).isEmpty();
    }
}
