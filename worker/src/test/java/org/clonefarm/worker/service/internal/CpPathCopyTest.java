package org.clonefarm.worker.service.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.clonefarm.worker.service.internal.CpPathHarness.CLONE;
import static org.clonefarm.worker.service.internal.CpPathHarness.MASTER;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneEvent.FactCase;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.CopyFailed;
import org.clonefarm.proto.DiskCopied;
import org.clonefarm.worker.disk.FakeZvm;
import org.clonefarm.worker.disk.FlashcopyPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cp path of a clone's copy against a fake {@code vmcp} that answers with z/VM's reply texts: the
 * disks are LINKed at free vdevs, checked with QUERY VIRTUAL, brought online and copied byte for byte;
 * every failure (HCPLNM053E, HCPLNM108E, HCPQVD040E, FLASHCOPY refused, a device that will not come
 * online) is one {@code CopyFailed} with the right retryable flag, and nothing stays linked.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CpPathCopyTest {
    @TempDir
    Path dir;
    private CpPathHarness harness;

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private CpPathHarness open(FlashcopyPolicy policy) throws Exception {
        FakeZvm zvm = CpPathHarness.createFarm(dir);
        harness = CpPathHarness.open(dir, zvm, policy);
        return harness;
    }

    /** Copied byte for byte through linked devices; the ECKD target formatted first; every LINK detached. */
    @Test
    void copiesEachDiskByteIdenticalThroughLinkedDevicesAndDetachesEveryLink() throws Exception {
        CpPathHarness h = open(FlashcopyPolicy.NEVER);

        assertThat(h.copy(CpPathHarness.request(false))).isEqualTo(CloneJob.Outcome.FINISHED);

        assertThat(h.events(FactCase.DISK_COPIED)).extracting(CloneEvent::getDiskCopied)
                .extracting(DiskCopied::getVaddr, DiskCopied::getMethod, DiskCopied::getFallbackReason)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("0201", "chunked", ""),
                        org.assertj.core.groups.Tuple.tuple("0202", "chunked", ""));
        assertThat(h.events(FactCase.CLONE_COPIED)).hasSize(1);
        assertTargetsEqualSources(h.zvm);
        assertThat(h.zvm.linkedVdevs()).hasSize(4).allSatisfy(v -> assertThat(v).startsWith("10"));
        assertThat(h.zvm.commands()).filteredOn(c -> c.startsWith("LINK ")).extracting(c -> c.replaceAll(" [0-9A-F]{4} (RR|MR)$", " $1"))
                .containsExactlyInAnyOrder("LINK LNXMASTR 0201 RR", "LINK LNXMASTR 0202 RR", "LINK LNX0001 0201 MR",
                        "LINK LNX0001 0202 MR");
        assertNothingLinked(h);
        String eckdTarget = h.zvm.commands().stream().filter(c -> c.startsWith("LINK LNX0001 0202 ")).findFirst()
                .orElseThrow().split(" ")[3];
        assertThat(h.dasdfmtRuns()).as("only the ECKD target is formatted, with 4 KiB blocks")
                .containsExactly("-b 4096 -y -f " + h.bus.byPath(org.clonefarm.platform.ids.Vaddr.of(eckdTarget)));
    }

    /** A request that says its ECKD target is formatted already is copied without dasdfmt. */
    @Test
    void formattedEckdTargetIsCopiedWithoutDasdfmt() throws Exception {
        CpPathHarness h = open(FlashcopyPolicy.NEVER);

        assertThat(h.copy(CpPathHarness.request(true))).isEqualTo(CloneJob.Outcome.FINISHED);

        assertThat(h.dasdfmtRuns()).isEmpty();
        assertTargetsEqualSources(h.zvm);
    }

    /** HCPLNM053E: the master is not in the CP directory; no retry can help. */
    @Test
    void linkOfAUseridNotInTheDirectoryFailsNotRetryable() throws Exception {
        CpPathHarness h = open(FlashcopyPolicy.NEVER);
        CloneRequest request = withSource(CpPathHarness.request(false), 0, "LNXGONE", "0201");

        CopyFailed failed = failure(h, request);

        assertThat(failed.getRetryable()).isFalse();
        assertThat(failed.getReason()).contains("LINK LNXGONE 0201 AS").contains("HCPLNM053E LNXGONE not in CP directory");
        assertNothingLinked(h);
    }

    /** HCPLNM108E: the master's volume is not mounted; the copy fails, not retryable, nothing linked. */
    @Test
    void linkOfADiskOnAnUnmountedVolumeFailsNotRetryable() throws Exception {
        CpPathHarness h = open(FlashcopyPolicy.NEVER);
        h.zvm.addMinidisk(MASTER, "0209", "FB-512", CpPathHarness.FBA_BLOCKS, "MST009", 0, "unmounted");
        CloneRequest request = withSource(CpPathHarness.request(false), 0, MASTER, "0209");

        CopyFailed failed = failure(h, request);

        assertThat(failed.getRetryable()).isFalse();
        assertThat(failed.getReason()).contains("HCPLNM108E LNXMASTR 0209 not linked; volid MST009 not mounted");
        assertNothingLinked(h);
    }

    /** HCPQVD040E on the check after LINK: the link vanished; retryable, and the vdev is detached. */
    @Test
    void queryVirtualAnsweringNoSuchDeviceAfterLinkFailsRetryable() throws Exception {
        CpPathHarness h = open(FlashcopyPolicy.NEVER);
        h.zvm.addMinidisk(CLONE, "0209", "FB-512", CpPathHarness.FBA_BLOCKS, "CLN009", 0, "vanish");
        CloneRequest request = withTarget(CpPathHarness.request(false), 0, CLONE, "0209");

        CopyFailed failed = failure(h, request);

        assertThat(failed.getRetryable()).isTrue();
        assertThat(failed.getReason()).contains("QUERY VIRTUAL").contains("HCPQVD040E");
        assertNothingLinked(h);
    }

    /** A linked disk of another size than planned is refused before a byte is written. */
    @Test
    void linkedDiskOfAnotherSizeThanPlannedFailsNotRetryable() throws Exception {
        CpPathHarness h = open(FlashcopyPolicy.NEVER);
        h.zvm.addMinidisk(CLONE, "0209", "FB-512", CpPathHarness.FBA_BLOCKS / 2, "CLN009", 0, "");
        CloneRequest request = withTarget(CpPathHarness.request(false), 0, CLONE, "0209");

        CopyFailed failed = failure(h, request);

        assertThat(failed.getRetryable()).isFalse();
        assertThat(failed.getReason()).contains("is not the planned one").contains("8192 blocks").contains("16384");
        assertNothingLinked(h);
    }

    /** With auto, a FLASHCOPY CP refuses falls back to the chunked copy; the event says why. */
    @Test
    void flashcopyRefusedWithAutoFallsBackToChunkedAndSaysWhy() throws Exception {
        CpPathHarness h = open(FlashcopyPolicy.AUTO);
        h.zvm.flashcopyFails(296, "HCPCMM296E Status is not as required - code AE");

        assertThat(h.copy(CpPathHarness.request(true))).isEqualTo(CloneJob.Outcome.FINISHED);

        assertThat(h.events(FactCase.DISK_COPIED)).extracting(CloneEvent::getDiskCopied).hasSize(2).allSatisfy(d -> {
            assertThat(d.getMethod()).isEqualTo("chunked");
            assertThat(d.getFallbackReason()).contains("FLASHCOPY").contains("HCPCMM296E");
        });
        assertTargetsEqualSources(h.zvm);
        assertNothingLinked(h);
    }

    /** With required, a FLASHCOPY CP refuses fails the clone, not retryable, and copies nothing. */
    @Test
    void flashcopyRefusedWithRequiredFailsNotRetryable() throws Exception {
        CpPathHarness h = open(FlashcopyPolicy.REQUIRED);
        h.zvm.flashcopyFails(296, "HCPCMM296E Status is not as required - code AE");

        CopyFailed failed = failure(h, CpPathHarness.request(true));

        assertThat(failed.getRetryable()).isFalse();
        assertThat(failed.getReason()).contains("FLASHCOPY is required").contains("HCPCMM296E");
        assertThat(Files.readAllBytes(h.zvm.fileOf(CLONE, "0201"))).containsOnly(0);
        assertNothingLinked(h);
    }

    /** A FLASHCOPYed disk is recorded: a redelivery re-emits its result without linking or copying again. */
    @Test
    void flashcopiedDiskIsRecordedSoARedeliveryCopiesNothing() throws Exception {
        CpPathHarness h = open(FlashcopyPolicy.AUTO);
        h.zvm.flashcopySucceeds();

        assertThat(h.copy(CpPathHarness.request(false))).isEqualTo(CloneJob.Outcome.FINISHED);
        assertThat(h.events(FactCase.DISK_COPIED)).extracting(e -> e.getDiskCopied().getMethod())
                .containsExactly("flashcopy", "flashcopy");
        assertThat(h.dasdfmtRuns()).as("FLASHCOPY needs no format").isEmpty();
        assertTargetsEqualSources(h.zvm);
        int commands = h.zvm.commands().size();

        assertThat(h.copy(CpPathHarness.request(false))).isEqualTo(CloneJob.Outcome.FINISHED);

        assertThat(h.events(FactCase.DISK_COPIED)).extracting(e -> e.getDiskCopied().getMethod())
                .containsExactly("flashcopy", "flashcopy", "flashcopy", "flashcopy");
        assertThat(h.zvm.commands()).as("no CP command for the redelivery").hasSize(commands);
        assertNothingLinked(h);
    }

    /** A device that will not come online fails with the ccw bus's retryable flag; its vdev is detached. */
    @Test
    void deviceThatWillNotComeOnlineFailsRetryableAndIsDetached() throws Exception {
        CpPathHarness h = open(FlashcopyPolicy.NEVER);
        h.bus.failOnline(CLONE, "0201", true);

        CopyFailed failed = failure(h, CpPathHarness.request(true));

        assertThat(failed.getRetryable()).isTrue();
        assertThat(failed.getVaddr()).isEqualTo("0201");
        assertThat(failed.getReason()).contains("LNX0001 0201 at 10").contains("cannot be brought online")
                .contains("Device or resource busy");
        assertNothingLinked(h);
    }

    private static CopyFailed failure(CpPathHarness h, CloneRequest request) throws Exception {
        assertThat(h.copy(request)).isEqualTo(CloneJob.Outcome.FINISHED);
        List<CloneEvent> failed = h.events(FactCase.COPY_FAILED);
        assertThat(failed).hasSize(1);
        assertThat(h.events(FactCase.CLONE_COPIED)).isEmpty();
        return failed.get(0).getCopyFailed();
    }

    /** CP has nothing linked, the state file lists nothing, and every LINK issued was followed by a DETACH. */
    private static void assertNothingLinked(CpPathHarness h) throws Exception {
        assertThat(h.zvm.links()).as("links in CP").isEmpty();
        assertThat(Files.exists(h.access.stateFile()) ? Files.readAllLines(h.access.stateFile()) : List.of())
                .as("state file").isEmpty();
        assertThat(h.zvm.detachedVdevs()).as("DETACH for every LINK").containsAll(h.zvm.linkedVdevs());
        assertThat(h.bus.calls()).as("every device online was set offline").filteredOn(c -> c.startsWith("online "))
                .allSatisfy(c -> assertThat(h.bus.calls()).contains(c.replace("online", "offline")));
    }

    private static void assertTargetsEqualSources(FakeZvm zvm) throws Exception {
        for (String vaddr : List.of("0201", "0202")) {
            assertThat(Files.mismatch(zvm.fileOf(MASTER, vaddr), zvm.fileOf(CLONE, vaddr))).as(vaddr).isEqualTo(-1);
        }
    }

    private static CloneRequest withSource(CloneRequest request, int disk, String owner, String vaddr) {
        return request.toBuilder().setDisks(disk, request.getDisks(disk).toBuilder()
                .setSource(request.getDisks(disk).getSource().toBuilder().setOwner(owner).setVaddr(vaddr))).build();
    }

    private static CloneRequest withTarget(CloneRequest request, int disk, String owner, String vaddr) {
        return request.toBuilder().setDisks(disk, request.getDisks(disk).toBuilder()
                .setTarget(request.getDisks(disk).getTarget().toBuilder().setOwner(owner).setVaddr(vaddr))).build();
    }
}
