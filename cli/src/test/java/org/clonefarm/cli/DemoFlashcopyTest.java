package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.FileStore;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.clonefarm.testsupport.LoopMountedFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's workers try CP FLASHCOPY first: where the volumes' file system shares extents (XFS with
 * reflink) every disk is copied by FLASHCOPY, the engine writes no byte and the file system hardly fills;
 * on ext4 the storage "has no FLASHCOPY" and every disk is copied in chunks, the reason in the demo's log file.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DemoFlashcopyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void onReflinkXfsEveryDiskIsCopiedByFlashcopyWritingNothing(@TempDir Path dir) throws Exception {
        try (LoopMountedFileSystem xfs = LoopMountedFileSystem.create(Files.createDirectories(dir.resolve("xfs")), 3072,
                "mkfs.xfs", "-q", "-m", "reflink=1"); ChildProcesses clonefarm = new ChildProcesses(dir.resolve("logs"))) {
            Path data = xfs.mountPoint().resolve("data");
            assertThat(clonefarm.run("master", 120, "master", "create-demo", "--data", data.toString()))
                    .as(clonefarm.err("master")).isZero();
            FileStore store = Files.getFileStore(xfs.mountPoint());
            long usedBefore = store.getTotalSpace() - store.getUnallocatedSpace();

            JsonNode summary = demo(clonefarm, "demo", data, 4);
            long usedAfter = store.getTotalSpace() - store.getUnallocatedSpace();

            assertThat(summary.get("ready").asInt()).isEqualTo(4);
            assertThat(summary.get("disks_by_method").toString()).isEqualTo("{\"flashcopy\":8}");
            assertThat(summary.get("bytes_written").asLong()).as("bytes the copy engine wrote").isZero();
            long cloned = summary.get("bytes_copied").asLong();
            assertThat(cloned).isGreaterThan(400L << 20);
            assertThat(usedAfter - usedBefore).as("space used by cloning %d bytes (and the demo's broker)", cloned)
                    .isLessThan(cloned / 4);
            String batch = summary.get("batch").asText();
            assertThat(clonefarm.run("verify", 300, "verify", batch, "--data", data.toString()))
                    .as(clonefarm.out("verify") + clonefarm.err("verify")).isZero();
            assertThat(DemoClones.workerLinks(clonefarm, data)).isEmpty();
            assertThat(DemoClones.hostResourcesUnder(data)).as("loop devices and mounts over the data").isEmpty();
        }
        assertThat(DemoClones.hostResourcesUnder(dir)).as("loop devices and mounts left behind").isEmpty();
    }

    @Test
    void onExt4EveryDiskFallsBackToChunkedWithTheReason(@TempDir Path dir) throws Exception {
        try (LoopMountedFileSystem ext4 = LoopMountedFileSystem.create(Files.createDirectories(dir.resolve("ext4")), 2048,
                "mkfs.ext4", "-q", "-F"); ChildProcesses clonefarm = new ChildProcesses(dir.resolve("logs"))) {
            Path data = ext4.mountPoint().resolve("data");
            JsonNode summary = demo(clonefarm, "demo", data, 2);

            assertThat(summary.get("ready").asInt()).isEqualTo(2);
            assertThat(summary.get("disks_by_method").toString()).isEqualTo("{\"chunked\":4}");
            assertThat(summary.get("bytes_written").asLong()).isPositive();
            assertThat(data.resolve("logs").resolve("clonefarm-demo.log")).as("why FLASHCOPY was not used").content()
                    .contains("FLASHCOPY not possible, copying in chunks").contains("not supported by the storage");
            assertThat(DemoClones.workerLinks(clonefarm, data)).isEmpty();
            assertThat(DemoClones.hostResourcesUnder(data)).isEmpty();
        }
    }

    private static JsonNode demo(ChildProcesses clonefarm, String name, Path data, int clones) throws Exception {
        int exit = clonefarm.run(name, 420, "demo", "--clones", String.valueOf(clones), "--data", data.toString(),
                "--json", "--timeout", "360");
        assertThat(exit).as(clonefarm.err(name)).isZero();
        return JSON.readTree(clonefarm.lastLine(name));
    }
}
