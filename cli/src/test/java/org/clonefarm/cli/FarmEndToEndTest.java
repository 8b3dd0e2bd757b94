package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole farm on one machine, as a user runs it: {@code clonefarm demo} brings 20 RW-root and then
 * 10 RO-root clones to READY (real Kafka, copies through the z/VM disk path of the simulation, loop-mounted
 * ext4, the agent, its signed events relayed by the coordinator), {@code verify} passes for both batches, each
 * clone's /var holds its own key and the shared 0191 none, the worker guest has nothing linked, and no loop
 * device or mount is left behind.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class FarmEndToEndTest {

    @Test
    void twentyRwRootAndTenRoRootClonesReachReadyAndVerify(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        ObjectMapper json = new ObjectMapper();
        try (ChildProcesses clonefarm = new ChildProcesses(dir.resolve("logs"))) {
            int rw = clonefarm.run("demo-rw", 600, "demo", "--clones", "20", "--data", data.toString(), "--json",
                    "--timeout", "540");
            JsonNode rwSummary = json.readTree(clonefarm.lastLine("demo-rw"));
            assertThat(rw).as(clonefarm.err("demo-rw")).isZero();
            assertThat(rwSummary.get("clones").asInt()).isEqualTo(20);
            assertThat(rwSummary.get("ready").asInt()).isEqualTo(20);
            assertThat(rwSummary.get("bytes_copied").asLong()).isGreaterThan(0);

            int ro = clonefarm.run("demo-ro", 600, "demo", "--clones", "10", "--profile", "ro-root", "--data",
                    data.toString(), "--json", "--timeout", "540");
            JsonNode roSummary = json.readTree(clonefarm.lastLine("demo-ro"));
            assertThat(ro).as(clonefarm.err("demo-ro")).isZero();
            assertThat(roSummary.get("ready").asInt()).isEqualTo(10);
            assertThat(clonefarm.err("demo-ro")).as("a later batch continues the numbering").contains("LINUX021-LINUX030");

            for (String batch : List.of(rwSummary.get("batch").asText(), roSummary.get("batch").asText())) {
                int verified = clonefarm.run("verify-" + batch, 300, "verify", batch, "--data", data.toString());
                assertThat(verified).as(clonefarm.out("verify-" + batch) + clonefarm.err("verify-" + batch)).isZero();
            }
            // each clone's own /var holds its own key (the agent signed its events with it), the shared 0191 none
            DemoClones.assertClonesHoldTheirOwnKeys(SimulationDataDirectory.at(data), rwSummary.get("batch").asText(),
                    List.of("LINUX001", "LINUX020"));
            DemoClones.assertClonesHoldTheirOwnKeys(SimulationDataDirectory.at(data), roSummary.get("batch").asText(),
                    List.of("LINUX021", "LINUX030"));
            // the workers reached every disk the z/VM way (LINK, online, copy, offline, DETACH) and left nothing linked
            assertThat(rwSummary.get("disks_by_method").toString()).as("RW root copies root and /var of each clone")
                    .matches("\\{\"(chunked|flashcopy)\":40\\}");
            assertThat(DemoClones.workerLinks(clonefarm, data)).as("minidisks still linked by the worker guest").isEmpty();
        }
        assertThat(DemoClones.hostResourcesUnder(dir)).as("loop devices and mounts left behind").isEmpty();
    }
}
