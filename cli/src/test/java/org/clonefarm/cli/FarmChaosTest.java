package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.clonefarm.coordinator.state.EventLogSnapshot;
import org.clonefarm.coordinator.state.BatchSummary;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CloneStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chaos on one machine: the broker, the coordinator and two workers run as separate processes;
 * during a 40-clone batch one worker is killed with SIGKILL and the coordinator is restarted. Every
 * clone still reaches READY, and {@code verify} passes.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class FarmChaosTest {

    @Test
    void workerKilledAndCoordinatorRestartedMidBatchStillBringEveryCloneToReady(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        try (ChildProcesses clonefarm = new ChildProcesses(dir.resolve("logs"))) {
            KafkaSettings kafka = DemoClones.brokerWithDemoMaster(clonefarm, data);

            String[] coordinatorArgs = {"coordinator", "--data", data.toString(), "--http-port", "0",
                "--guest-concurrency", "4", "--boot-timeout", "600"};
            Process coordinator = clonefarm.start("coordinator-1", coordinatorArgs);
            clonefarm.awaitOutput("coordinator-1", "dashboard=", 120);
            // the workers reach minidisks the z/VM way, against the simulation's CP and channel subsystem
            String[] worker1Args = {"worker", "--data", data.toString(), "--id", "w1", "--max-clones", "2",
                "--http-port", "0", "--disk-access", "cp", "--simulated-zvm"};
            Process worker1 = clonefarm.start("worker-1", worker1Args);
            Process worker2 = clonefarm.start("worker-2", "worker", "--data", data.toString(), "--id", "w2",
                    "--max-clones", "2", "--http-port", "0", "--disk-access", "cp", "--simulated-zvm");

            Path spec = dir.resolve("chaos.yaml");
            Files.writeString(spec, DemoCommand.spec("chaos", 1, 40, "rw-root"));
            assertThat(clonefarm.run("submit", 180, "submit", spec.toString(), "--data", data.toString()))
                    .as(clonefarm.err("submit")).isZero();

            // mid-batch: some clones copied, others not yet
            awaitBatch(kafka, s -> s.count(CloneState.CLONE_STATE_PLANNED) + s.count(CloneState.CLONE_STATE_COPYING) < 36,
                    "4 clones past their copy", 300);
            assertThat(worker2.isAlive()).as("the surviving worker runs: %s", clonefarm.err("worker-2")).isTrue();
            worker1.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL
            coordinator.destroy(); // SIGTERM: the coordinator (and the guests it runs) stop
            assertThat(coordinator.waitFor(60, TimeUnit.SECONDS)).as("coordinator stops on SIGTERM").isTrue();
            clonefarm.start("coordinator-2", coordinatorArgs);
            clonefarm.awaitOutput("coordinator-2", "dashboard=", 120);
            // the killed worker comes back with its id: it detaches what it had linked, its copies resume
            clonefarm.start("worker-1-again", worker1Args);

            BatchSummary done = awaitBatch(kafka, BatchSummary::allFinished, "every clone finished", 720);
            assertThat(done.count(CloneState.CLONE_STATE_READY)).as(failures(kafka)).isEqualTo(40);

            int verified = clonefarm.run("verify", 300, "verify", "chaos", "--data", data.toString());
            assertThat(verified).as(clonefarm.out("verify") + clonefarm.err("verify")).isZero();
            assertThat(DemoClones.workerLinks(clonefarm, data)).as("minidisks still linked by the worker guest "
                    + "(the killed worker's were detached when it came back)").isEmpty();
        }
        assertThat(DemoClones.hostResourcesUnder(dir)).as("loop devices and mounts left behind").isEmpty();
    }

    private static BatchSummary awaitBatch(KafkaSettings kafka, java.util.function.Predicate<BatchSummary> condition,
            String what, long timeoutSeconds) {
        AtomicReference<BatchSummary> last = new AtomicReference<>();
        await("batch chaos reaches '" + what + "'").atMost(Duration.ofSeconds(timeoutSeconds))
                .pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    BatchSummary summary = snapshot(kafka).batch("chaos");
                    last.set(summary);
                    assertThat(summary).as("batch chaos").isNotNull()
                            .matches(s -> s.clones() == 40 && condition.test(s), "40 clones and " + what);
                });
        return last.get();
    }

    private static CloneStateStore snapshot(KafkaSettings kafka) throws Exception {
        return EventLogSnapshot.read(kafka, TopicLayout.defaults(), Duration.ofSeconds(60));
    }

    private static String failures(KafkaSettings kafka) throws Exception {
        StringBuilder text = new StringBuilder("clones not READY:");
        for (CloneStatus status : snapshot(kafka).clonesOf("chaos")) {
            if (status.getState() != CloneState.CLONE_STATE_READY) {
                text.append(' ').append(status.getUserid()).append('=').append(status.getState()).append('/')
                        .append(status.getLastError().getReason());
            }
        }
        return text.toString();
    }
}
