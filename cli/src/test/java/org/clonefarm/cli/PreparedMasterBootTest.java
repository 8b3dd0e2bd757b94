package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.clonefarm.cli.simulation.DemoMaster;
import org.clonefarm.cli.simulation.LoopMountGuestRuntime;
import org.clonefarm.cli.simulation.TopicEvents;
import org.clonefarm.platform.io.LoopMount;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preparation agrees with the agent: an RO-root clone of the demo master prepared with {@code master prepare
 * apply --profile ro-root} boots in the local runtime from the initrd files the preparation made, the agent's
 * post-mount hosts file lands behind the link the preparation left, READY reaches the topic and verify passes.
 * Real loop devices, ext4 and broker; root needed.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PreparedMasterBootTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @TempDir
    Path dataDir;

    /** Prepared for RO root, the demo master's RO-root clone boots to READY with its hosts under /var/local/etc. */
    @Test
    void anRoRootCloneOfThePreparedDemoMasterBootsToReady() throws Exception {
        SimulationDataDirectory data = SimulationDataDirectory.at(dataDir);
        new DemoMaster(data, LoopMountGuestsTest.agentJar()).create(false);
        TopicLayout layout = TopicLayout.builder().replicationFactor(1).prefix("prepared.").build();
        try (Admin admin = Admin.create(KafkaSettings.of(KAFKA.bootstrapServers()).admin("prepared-master-test"))) {
            layout.ensure(admin, 30_000);
        }
        CapturedRun apply = CapturedRun.of("master", "prepare", "apply", "--master-data", dataDir.toString(), "--profile", "ro-root");
        assertThat(apply.code()).as(apply.err()).isZero();
        DemoClones.create(data, DemoMaster.PROTOTYPE_RO, List.of("LINUX041"));
        DemoClones.writeNames(data, List.of(DemoClones.entry("LINUX041", "b-prepared")));

        LoopMountGuestRuntime.Outcome outcome;
        try (LoopMountGuestRuntime runtime = new LoopMountGuestRuntime(LoopMountGuestRuntime.Settings.of(data,
                KAFKA.bootstrapServers(), layout.prefix()));
                SimulatedCp system = new SimulatedCp(data, runtime, "ZVMSIM")) {
            system.session(Userid.of("OPERATOR")).xautolog(Userid.of("LINUX041"));
            outcome = runtime.outcome(Userid.of("LINUX041")).orElseThrow().get(120, TimeUnit.SECONDS);
        }

        assertThat(outcome.status()).as(outcome.detail()).isEqualTo(LoopMountGuestRuntime.Status.DONE);
        assertThat(outcome.agentRuns()).containsExactly("initrd");
        assertThat(TopicEvents.read(KafkaSettings.of(KAFKA.bootstrapServers()), layout.guestEvents(),
                e -> e.getUserid().equals("LINUX041") && e.hasReady(), Duration.ofSeconds(30))).hasSize(1);
        try (LoopMount var = LoopMountGuestRuntime.mountDisk(DemoClones.region(data, "LINUX041", "0202"), dataDir.resolve("check-var"), true)) {
            assertThat(Files.readString(var.mountPoint().resolve("local/etc/hosts"))).contains("10.1.0.141").contains("linux041");
        }
        try (LoopMount root = LoopMountGuestRuntime.mountDisk(DemoClones.region(data, DemoMaster.MASTER, "0200"), dataDir.resolve("check-root"), true)) {
            assertThat(Files.readSymbolicLink(root.mountPoint().resolve("boot/clonefarm-initrd/etc/hosts")))
                    .as("the link the clone's /etc/hosts resolves through").hasToString("/var/local/etc/hosts");
            assertThat(Files.isSymbolicLink(root.mountPoint().resolve("etc"))).isTrue();
            assertThat(Files.isDirectory(root.mountPoint().resolve("initrd"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        }
        CapturedRun verify = CapturedRun.of("verify", "b-prepared", "--data", dataDir.toString());
        assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
        assertThat(DemoClones.hostResourcesUnder(dataDir)).isEmpty();
    }
}
