package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.clonefarm.cli.simulation.DemoMaster;
import org.clonefarm.coordinator.state.EventLogSnapshot;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CloneStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.clonefarm.platform.io.FileTrees;

/**
 * Failures on the z/VM disk path of the simulation, with a worker process of its own: a LINK that CP refuses
 * (the clone's entry left the directory) and a device that cannot come online fail the copy with the reason,
 * the rest of the batch goes on, and afterwards the worker guest has nothing linked and no loop device is
 * left; once the cause is gone, a retry copies the clone. A starting worker releases a loop device an
 * earlier one left behind after its link was detached.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CpPathFailuresTest {

    @Test
    void refusedLinkAndDeviceThatWillNotComeOnlineFailTheCopyAndLeaveNothingLinked(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        SimulationDataDirectory simulation = SimulationDataDirectory.at(data);
        try (ChildProcesses clonefarm = new ChildProcesses(dir.resolve("logs"))) {
            KafkaSettings kafka = DemoClones.brokerWithDemoMaster(clonefarm, data);
            clonefarm.start("coordinator", "coordinator", "--data", data.toString(), "--http-port", "0");
            clonefarm.awaitOutput("coordinator", "dashboard=", 120);
            submit(clonefarm, dir, data, "links", 1, 2);

            // LINUX001's entry leaves the directory before any worker runs: CP refuses the LINK of its disks
            UserDirectory directory = simulation.readDirectory();
            assertThat(directory.remove(new Userid("LINUX001"))).isTrue();
            simulation.writeDirectory(directory);
            // what a worker leaves that could not set a device offline: a loop device whose link was detached
            String as = "--as=" + DemoMaster.WORKER;
            assertThat(clonefarm.run("link", 60, "zvm", "vmcp", "--data", data.toString(), as, "LINK", "LNXMSTR", "0200",
                    "AS", "1234", "RR")).as(clonefarm.err("link")).isZero();
            assertThat(clonefarm.run("online", 60, "zvm", "chccwdev", "--data", data.toString(), as, "-e", "0.0.1234"))
                    .as(clonefarm.err("online")).isZero();
            assertThat(clonefarm.run("detach", 60, "zvm", "vmcp", "--data", data.toString(), as, "DETACH", "1234"))
                    .as(clonefarm.err("detach")).isZero();
            assertThat(DemoClones.hostResourcesUnder(data)).as("the stray loop device").hasSize(1);

            String[] worker = {"worker", "--data", data.toString(), "--id", "w1", "--http-port", "-1",
                "--disk-access", "cp", "--simulated-zvm"};
            clonefarm.start("worker", worker);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(DemoClones.hostResourcesUnder(data))
                    .as("loop devices over the data once the worker started").isEmpty());

            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> finished(kafka, "links", 2));
            CloneStatus refused = snapshot(kafka).status("LINUX001");
            assertThat(refused.getState()).isEqualTo(CloneState.CLONE_STATE_FAILED);
            assertThat(refused.getLastError().getReason()).contains("HCPLNM053E").contains("LINUX001");
            assertThat(refused.getLastError().getRetryable()).isFalse();
            assertThat(snapshot(kafka).status("LINUX002").getState()).isEqualTo(CloneState.CLONE_STATE_READY);
            assertThat(DemoClones.workerLinks(clonefarm, data)).as("linked after a refused LINK").isEmpty();

            // the worker guest's by-path directory cannot be made: its devices cannot come online
            Path byPath = data.resolve("run").resolve("by-path").resolve(DemoMaster.WORKER);
            FileTrees.deleteTree(byPath);
            Files.writeString(byPath, "not a directory\n");
            submit(clonefarm, dir, data, "online", 3, 1);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> finished(kafka, "online", 1));
            CloneStatus offline = snapshot(kafka).status("LINUX003");
            assertThat(offline.getState()).isEqualTo(CloneState.CLONE_STATE_FAILED);
            assertThat(offline.getLastError().getReason()).contains("cannot be brought online")
                    .contains(byPath.toString()).contains("Not a directory");
            assertThat(DemoClones.workerLinks(clonefarm, data)).as("linked after a failed online").isEmpty();
            assertThat(DemoClones.hostResourcesUnder(data)).as("loop devices over the data").isEmpty();

            // the cause gone, a retry copies and boots the clone
            Files.delete(byPath);
            assertThat(clonefarm.run("retry", 120, "retry", "online", "--data", data.toString()))
                    .as(clonefarm.err("retry")).isZero();
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> snapshot(kafka).status("LINUX003").getState() == CloneState.CLONE_STATE_READY);
            assertThat(DemoClones.workerLinks(clonefarm, data)).isEmpty();
        }
        assertThat(DemoClones.hostResourcesUnder(dir)).as("loop devices and mounts left behind").isEmpty();
    }

    private static void submit(ChildProcesses clonefarm, Path dir, Path data, String batch, int first, int count)
            throws Exception {
        Path spec = dir.resolve(batch + ".yaml");
        Files.writeString(spec, DemoCommand.spec(batch, first, count, "rw-root"));
        assertThat(clonefarm.run("submit-" + batch, 180, "submit", spec.toString(), "--data", data.toString()))
                .as(clonefarm.err("submit-" + batch)).isZero();
    }

    private static boolean finished(KafkaSettings kafka, String batch, int clones) throws Exception {
        var summary = snapshot(kafka).batch(batch);
        return summary != null && summary.clones() == clones && summary.allFinished();
    }

    private static CloneStateStore snapshot(KafkaSettings kafka) throws Exception {
        return EventLogSnapshot.read(kafka, TopicLayout.defaults(), Duration.ofSeconds(60));
    }

}
