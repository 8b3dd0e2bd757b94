package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clonefarm.cli.simulation.DemoMaster;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.HostTool;
import org.clonefarm.platform.layout.CloneLayout.Role;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refresh as a user runs it on the local simulation: {@code demo} brings two clones to READY; a file is
 * added to the master's root; with the farm up again, {@code clonefarm refresh} stops each clone, rewrites
 * the chunks that differ and starts it; its finalize runs again and {@code watch} sees every clone READY at
 * attempt 2: the clone's root holds the master's new file and its own hostname again, and no finalize marker.
 */
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class RefreshEndToEndTest {

    private static String debugfs(FileRegion region, String request) throws Exception {
        return HostTool.checkOutput(List.of("debugfs", "-R", request, region.path() + "?offset=" + region.offset()),
                Duration.ofSeconds(30));
    }

    @Test
    void refreshedClonesGetTheMastersChangeFinalizeAgainAndAreReady(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        ObjectMapper json = new ObjectMapper();
        String[] hostnameBefore = new String[1];
        try (ChildProcesses clonefarm = new ChildProcesses(dir.resolve("logs"))) {
            int demo = clonefarm.run("demo", 400, "demo", "--clones", "2", "--data", data.toString(), "--json",
                    "--timeout", "360");
            assertThat(demo).as(clonefarm.err("demo")).isZero();
            String batch = json.readTree(clonefarm.lastLine("demo")).get("batch").asText();
            SimulationDataDirectory farm = SimulationDataDirectory.at(data);
            FileRegion cloneRoot = farm.resolve(org.clonefarm.platform.ids.Userid.of("LINUX001"), Role.ROOT.vaddr());
            hostnameBefore[0] = debugfs(cloneRoot, "cat /etc/hostname").strip();

            // the master changes: a new file in its root
            Path added = dir.resolve("release-note");
            Files.writeString(added, "refreshed from the changed master\n", StandardCharsets.US_ASCII);
            FileRegion masterRoot = DemoMaster.disk(Role.ROOT).region(farm);
            HostTool.checkOutput(List.of("debugfs", "-w", "-R", "write " + added + " /etc/release-note",
                    masterRoot.path() + "?offset=" + masterRoot.offset()), Duration.ofSeconds(30));

            clonefarm.start("up", "up", "--data", data.toString());
            clonefarm.awaitOutput("up", "dashboard=", 180);
            int refresh = clonefarm.run("refresh", 120, "refresh", batch, "--data", data.toString());
            assertThat(refresh).as(clonefarm.err("refresh")).isZero();
            assertThat(clonefarm.out("refresh")).contains("refreshing 2 clones of batch " + batch).contains("master version");

            int watch = clonefarm.run("watch", 400, "watch", batch, "--data", data.toString());
            assertThat(watch).as(clonefarm.out("watch") + clonefarm.err("watch")).isZero();
            int status = clonefarm.run("status", 120, "status", batch, "--json", "--data", data.toString());
            assertThat(status).as(clonefarm.err("status")).isZero();
            JsonNode clones = json.readTree(clonefarm.lastLine("status"));
            assertThat(clones).hasSize(2);
            for (JsonNode clone : clones) {
                assertThat(clone.get("state").asText()).isEqualTo("CLONE_STATE_READY");
                assertThat(clone.get("attempt").asInt()).isEqualTo(2);
                assertThat(clone.get("refreshes").asInt()).isEqualTo(1);
            }
        }
        // the farm is stopped (closing the children): the disks are read as they are
        FileRegion cloneRoot = SimulationDataDirectory.at(data).resolve(org.clonefarm.platform.ids.Userid.of("LINUX001"),
                Role.ROOT.vaddr());
        assertThat(debugfs(cloneRoot, "cat /etc/release-note")).contains("refreshed from the changed master");
        assertThat(debugfs(cloneRoot, "cat /etc/hostname").strip()).as("its own hostname, not the master's")
                .isEqualTo(hostnameBefore[0]);
        assertThat(debugfs(cloneRoot, "ls -l /etc")).as("the clone's /etc").contains("release-note", "hostname")
                .as("no finalize marker").doesNotContain("rc.finalize");
        assertThat(DemoClones.hostResourcesUnder(dir)).as("loop devices and mounts left behind").isEmpty();
    }
}
