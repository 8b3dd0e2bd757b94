package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.clonefarm.cli.simulation.LoopMountGuestRuntime.mountDisk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import org.clonefarm.cli.simulation.DemoMaster;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.io.LoopMount;
import org.clonefarm.platform.layout.CloneLayout.Role;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code master create-demo --master-data-mib N}: the skeleton master's root holds N MiB of incompressible data, the
 * clones copy it with their roots and verify; a data directory whose master holds another amount is refused.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class MasterDataDemoTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A master with 64 MiB of data: its root holds them, incompressible, and a 2-clone demo of it copies them and verifies. */
    @Test
    void masterWithDataHoldsItInItsRootAndTwoClonesOfItVerify(@TempDir Path dir) throws Exception {
        Path dataDir = dir.resolve("data");
        String created = LoopMountGuestsTest.run("master", "create-demo", "--data", dataDir.toString(), "--master-data-mib", "64",
                "--agent-jar", LoopMountGuestsTest.agentJar().toString());
        assertThat(created).startsWith("0\ncreated the demo master")
                .contains("its root 0200 holds 64 MiB of data in /srv/data: 308 cylinders, volume LNXM01 a 3390-01")
                .contains("the pool holds 172 rw-root clones");
        SimulationDataDirectory data = SimulationDataDirectory.at(dataDir);
        assertThat(DemoMaster.Manifest.read(data).orElseThrow().layout()).isEqualTo(new DemoMaster.Layout(DemoMaster.Kind.SKELETON, 64));
        Path masterFile;
        try (LoopMount root = mountDisk(DemoMaster.disk(data, Role.ROOT).region(data), dir.resolve("master-root"), true)) {
            Path files = root.mountPoint().resolve(DemoMaster.DATA_DIRECTORY);
            try (Stream<Path> list = Files.list(files)) {
                assertThat(list.map(p -> p.getFileName().toString()).toList()).containsExactly("data-000.bin");
            }
            assertThat(Files.size(files.resolve("data-000.bin"))).isEqualTo(64L << 20);
            assertThat(deflatedSize(files.resolve("data-000.bin"))).as("the data's first MiB, deflated")
                    .isGreaterThanOrEqualTo(1 << 20);
            assertThat(Files.readString(root.mountPoint().resolve("etc/hostname"))).isEqualTo("lnxmstr\n");
            masterFile = Files.copy(files.resolve("data-000.bin"), dir.resolve("master-data-000.bin"));
        }

        try (ChildProcesses clonefarm = new ChildProcesses(dir.resolve("logs"))) {
            int exit = clonefarm.run("demo", 420, "demo", "--clones", "2", "--data", dataDir.toString(), "--master-data-mib", "64",
                    "--json", "--timeout", "360");
            assertThat(exit).as(clonefarm.err("demo")).isZero();
            JsonNode summary = JSON.readTree(clonefarm.lastLine("demo"));
            assertThat(summary.get("ready").asInt()).isEqualTo(2);
            assertThat(summary.get("bytes_written").asLong()).as("the engine wrote both clones' data").isGreaterThan(2 * (64L << 20));
            assertThat(summary.get("batch_wall_s").asDouble()).isPositive().isLessThanOrEqualTo(summary.get("wall_s").asDouble());
            String batch = summary.get("batch").asText();
            assertThat(clonefarm.run("verify", 300, "verify", batch, "--data", dataDir.toString()))
                    .as(clonefarm.out("verify") + clonefarm.err("verify")).isZero();
            assertThat(clonefarm.out("verify")).contains("holds");
        }
        try (LoopMount root = mountDisk(DemoClones.region(data, "LINUX002", "0200"), dir.resolve("clone-root"), true)) {
            assertThat(Files.mismatch(root.mountPoint().resolve(DemoMaster.DATA_DIRECTORY).resolve("data-000.bin"), masterFile))
                    .as("the clone's copy of the data").isEqualTo(-1L);
        }
        assertThat(DemoClones.hostResourcesUnder(dir)).as("loop devices and mounts left behind").isEmpty();
    }

    /** A master without data is refused by create-demo and demo asking for 64 MiB, each saying what differs. */
    @Test
    void aMasterWithOtherDataIsRefusedByCreateDemoAndDemo(@TempDir Path dir) throws Exception {
        Path dataDir = dir.resolve("data");
        String jar = LoopMountGuestsTest.agentJar().toString();
        assertThat(LoopMountGuestsTest.run("master", "create-demo", "--data", dataDir.toString(), "--agent-jar", jar))
                .startsWith("0\ncreated the demo master").doesNotContain("MiB of data");
        assertThat(Files.size(SimulationDataDirectory.at(dataDir).volumeImage(Volser.of(DemoMaster.MASTER_VOLUME))))
                .as("the plain skeleton's 3390-01").isEqualTo(1113L * 737_280L);

        String recreated = LoopMountGuestsTest.run("master", "create-demo", "--data", dataDir.toString(), "--agent-jar", jar,
                "--master-data-mib", "64");
        String demo = LoopMountGuestsTest.run("demo", "--clones", "1", "--data", dataDir.toString(), "--master-data-mib", "64");
        String bootable = LoopMountGuestsTest.run("master", "create-demo", "--data", dir.resolve("other").toString(),
                "--agent-jar", jar, "--bootable", "--master-data-mib", "64");

        assertThat(recreated).startsWith("1").contains("its root holds 0 MiB of data (--master-data-mib), not 64")
                .contains("--force");
        assertThat(demo).startsWith("1").contains("holds 0 MiB of data, not 64 (--master-data-mib)");
        assertThat(bootable).startsWith("2").contains("--master-data-mib is for the skeleton master");
        assertThat(LoopMountGuestsTest.run("master", "create-demo", "--data", dataDir.toString(), "--agent-jar", jar))
                .as("the master as it was").contains("already there, unchanged");
    }

    /** Bytes of the file's first MiB after deflate at its best compression. */
    private static int deflatedSize(Path file) throws Exception {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(1 << 20);
        }
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        deflater.setInput(head);
        deflater.finish();
        byte[] out = new byte[2 << 20];
        int size = 0;
        while (!deflater.finished()) {
            size += deflater.deflate(out, 0, out.length);
        }
        deflater.end();
        return size;
    }
}
