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
import org.clonefarm.cli.embedded.EmbeddedKafka;
import org.clonefarm.cli.simulation.LoopMountGuestRuntime;
import org.clonefarm.cli.simulation.QemuGuestRuntime;
import org.clonefarm.cli.simulation.TopicEvents;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real guests: clones of the bootable Debian master (built by mmdebstrap once, then cached in
 * ~/.cache/clonefarm) boot their own disks under QEMU with TCG (KVM is not relied on: on these machines a
 * Debian guest hangs under it), finalize in the first boot, reboot for real, report READY from the second boot
 * through their private network to the demo's broker, and are logged off cleanly (SIGNAL SHUTDOWN: the guest
 * powers off); verify then reads consistent file systems and passes, and no QEMU, loop device or mount is left.
 * RO-root clones of the master prepared for RO root boot once: the initramfs fills /etc from the initrd files
 * with the agent's initrd run, the root stays the master's, read-only, and READY comes after the network.
 */
@Timeout(value = 40, unit = TimeUnit.MINUTES)
class QemuGuestBootTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CLONES = 3;

    @Test
    void threeRwRootClonesBootTwiceUnderQemuToReady(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        try (ChildProcesses clonefarm = new ChildProcesses(dir.resolve("logs"))) {
            // the first build of the Debian system takes minutes (mmdebstrap); later ones come from the cache
            assertThat(clonefarm.run("master", 1800, "master", "create-demo", "--bootable", "--data", data.toString()))
                    .as(clonefarm.err("master")).isZero();
            assertThat(clonefarm.lastLine("master")).startsWith("created the bootable demo master");

            int exit = clonefarm.run("demo", 1500, "demo", "--guests", "qemu", "--qemu-accel", "tcg", "--clones",
                    String.valueOf(CLONES), "--data", data.toString(), "--json", "--timeout", "1200");
            assertThat(exit).as(clonefarm.out("demo") + clonefarm.err("demo")).isZero();
            JsonNode summary = JSON.readTree(clonefarm.lastLine("demo"));
            assertThat(summary.get("ready").asInt()).as("clones whose READY event arrived").isEqualTo(CLONES);

            Path guests = LoopMountGuestRuntime.defaultWorkDirectory(SimulationDataDirectory.at(data));
            int loggedOffAtReady = 0;
            for (int n = 1; n <= CLONES; n++) {
                Userid clone = Userid.of(String.format("LINUX%03d", n));
                String console = console(guests, clone);
                assertThat(QemuGuestRuntime.kernelBoots(console)).as("kernel boots on the console of %s", clone).isEqualTo(2);
                int reboot = console.indexOf("reboot: Restarting system");
                assertThat(reboot).as("%s rebooted", clone).isPositive();
                assertThat(console.substring(0, reboot)).as("the first boot of %s", clone)
                        .contains("Finished clonefarm-finalize.service").doesNotContain("Starting clonefarm-report-ready.service");
                assertThat(console.substring(reboot)).as("the second boot of %s", clone)
                        .doesNotContain("Starting clonefarm-finalize.service").contains("Starting clonefarm-report-ready.service");
                // logged off as on z/VM (SIGNAL SHUTDOWN): systemd stops and unmounts, the kernel powers off, so
                // verify reads /var consistent; the demo's end logs off a guest whose READY came before its console said so
                int ready = console.indexOf(QemuGuestRuntime.READY_MARKER);
                if (ready >= 0) {
                    loggedOffAtReady++;
                }
                assertThat(console.substring(Math.max(ready, reboot))).as("%s after READY", clone)
                        .contains("reboot: Power down");
            }
            // the third clone boots only when one of the first two was logged off at READY (two guests boot at once);
            // the demo ends, and logs off what runs, once the last READY has arrived, maybe before its console says so
            assertThat(loggedOffAtReady).as("consoles that show report-ready done").isPositive();

            String batch = summary.get("batch").asText();
            assertThat(clonefarm.run("verify", 600, "verify", batch, "--data", data.toString()))
                    .as(clonefarm.out("verify") + clonefarm.err("verify")).isZero();
            assertReadyNamesTheKernelsAddresses(clonefarm, data, batch, CLONES);
            assertThat(qemuProcessesOver(data)).as("QEMU processes left running").isEmpty();
            assertThat(DemoClones.hostResourcesUnder(data)).as("loop devices and mounts over the data").isEmpty();
        } finally {
            DemoClones.releaseHostResourcesUnder(dir);
        }
    }

    /**
     * The paper's RO root for real: {@code master prepare apply --profile ro-root} on the bootable master's disks,
     * then clones that link its root read-only boot one kernel each, in whose initramfs the agent's initrd run
     * writes this clone's /etc into the tmpfs at /initrd; systemd starts with no failed unit; READY after the
     * network names the kernel's address; the master's disks are unchanged (verify) and nothing is left.
     */
    @Test
    void twoRoRootClonesOfThePreparedMasterBootOnceToReadyWithTheRootReadOnly(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        int clones = 2;
        try (ChildProcesses clonefarm = new ChildProcesses(dir.resolve("logs"))) {
            assertThat(clonefarm.run("master", 1800, "master", "create-demo", "--bootable", "--data", data.toString()))
                    .as(clonefarm.err("master")).isZero();
            // unprepared, its root would boot with the master's /etc and finalize on a read-only root: refused up front
            assertThat(clonefarm.run("unprepared", 300, "demo", "--guests", "qemu", "--profile", "ro-root", "--clones", "1",
                    "--data", data.toString())).isEqualTo(1);
            assertThat(clonefarm.err("unprepared")).contains("is not prepared for RO root")
                    .contains("master prepare apply --master-data " + data + " --profile ro-root");
            assertThat(clonefarm.run("analyze", 300, "master", "prepare", "analyze", "--master-data", data.toString(),
                    "--profile", "ro-root", "--json")).as(clonefarm.err("analyze")).isZero();
            JsonNode analysis = JSON.readTree(clonefarm.out("analyze"));
            List<String> moved = new java.util.ArrayList<>();
            analysis.get("steps").forEach(step -> {
                if (step.get("kind").asText().equals("move")) {
                    moved.add(step.get("path").asText());
                }
            });
            assertThat(moved).as("what analyze lists on the bootable master").containsExactly("/home", "/root", "/tmp",
                    "/etc/hosts", "/etc/resolv.conf", "/etc");
            assertThat(clonefarm.run("apply", 300, "master", "prepare", "apply", "--master-data", data.toString(),
                    "--profile", "ro-root")).as(clonefarm.out("apply") + clonefarm.err("apply")).isZero();

            int exit = clonefarm.run("demo", 1500, "demo", "--guests", "qemu", "--qemu-accel", "tcg", "--profile", "ro-root",
                    "--clones", String.valueOf(clones), "--data", data.toString(), "--json", "--timeout", "1200");
            assertThat(exit).as(clonefarm.out("demo") + clonefarm.err("demo")).isZero();
            JsonNode summary = JSON.readTree(clonefarm.lastLine("demo"));
            assertThat(summary.get("ready").asInt()).as("clones whose READY event arrived").isEqualTo(clones);

            Path guests = LoopMountGuestRuntime.defaultWorkDirectory(SimulationDataDirectory.at(data));
            for (int n = 1; n <= clones; n++) {
                Userid clone = Userid.of(String.format("LINUX%03d", n));
                String console = console(guests, clone);
                assertThat(QemuGuestRuntime.kernelBoots(console)).as("kernel boots on the console of %s", clone).isEqualTo(1);
                assertThat(console).as("the console of %s", clone)
                        .contains("clonefarm-initrd: RO root: /etc from the initrd")
                        .contains("clonefarm-initrd: done")
                        .contains("Starting clonefarm-report-ready.service")
                        .doesNotContain("Starting clonefarm-finalize.service")
                        .doesNotContain("reboot: Restarting system")
                        .contains("reboot: Power down");
                // every unit of the boot started: nothing of systemd's own trips over the root being read-only or
                // /etc being a link into the initrd (the shutdown's unmount of the busy read-only /usr is told only)
                String boot = console.substring(0, console.indexOf("clonefarm-report-ready.service"));
                assertThat(boot).as("failed units in the boot of %s", clone).doesNotContain("[FAILED]");
                assertThat(console).as("%s's hostname from the initrd's /etc", clone)
                        .contains("Hostname set to <" + clone.value().toLowerCase(java.util.Locale.ROOT) + ">");
            }
            String batch = summary.get("batch").asText();
            // verify: each clone's /var holds its identity, and the master's root (linked read-only) is unchanged
            assertThat(clonefarm.run("verify", 600, "verify", batch, "--data", data.toString()))
                    .as(clonefarm.out("verify") + clonefarm.err("verify")).isZero();
            assertReadyNamesTheKernelsAddresses(clonefarm, data, batch, clones);
            assertThat(qemuProcessesOver(data)).as("QEMU processes left running").isEmpty();
            assertThat(DemoClones.hostResourcesUnder(data)).as("loop devices and mounts over the data").isEmpty();
        } finally {
            DemoClones.releaseHostResourcesUnder(dir);
        }
    }

    /** The console of a clone's latest logon as a reader sees it (systemd colours its status lines). */
    private static String console(Path guests, Userid clone) throws java.io.IOException {
        return Files.readString(QemuGuestRuntime.consoleFile(guests, clone), StandardCharsets.ISO_8859_1)
                .replaceAll("\u001b\\[[0-9;]*m", "");
    }

    /** READY says what the guest's kernel has on its interface; verify holds it to the NAMES address. */
    private static void assertReadyNamesTheKernelsAddresses(ChildProcesses clonefarm, Path data, String batch, int clones)
            throws Exception {
        try (EmbeddedKafka broker = EmbeddedKafka.start(data, 0, Duration.ofSeconds(120))) {
            List<CloneEvent> ready = TopicEvents.read(KafkaSettings.of(broker.bootstrapServers()),
                    TopicLayout.builder().build().events(), e -> e.getBatchId().equals(batch) && e.hasReady(),
                    Duration.ofSeconds(60));
            assertThat(ready).as("READY events of the batch").hasSize(clones);
            for (CloneEvent event : ready) {
                assertThat(event.getReady().getInterfaceName()).as("interface of %s", event.getUserid()).isEqualTo("eth0");
                assertThat(event.getReady().getConfiguredAddressesList()).as("addresses the kernel of %s has",
                        event.getUserid()).isNotEmpty();
            }
            assertThat(clonefarm.run("verify-addresses", 600, "verify", batch, "--data", data.toString(),
                    "--bootstrap-servers", broker.bootstrapServers()))
                    .as(clonefarm.out("verify-addresses") + clonefarm.err("verify-addresses")).isZero();
        }
    }

    @Test
    void qemuGuestsAreRefusedOnTheSkeletonMasterWhichCannotBoot(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        assertThat(CapturedRun.of("master", "create-demo", "--data", data.toString(), "--agent-jar",
                LoopMountGuestsTest.agentJar().toString()).code()).isZero();

        CapturedRun demo = CapturedRun.of("demo", "--guests", "qemu", "--clones", "1", "--data", data.toString());

        assertThat(demo.code()).isNotZero();
        assertThat(demo.err()).contains("the skeleton one, which cannot boot").contains("master create-demo --bootable");
    }

    @Test
    void qemuGuestsNeedTheInProcessBrokerThatListensForThem(@TempDir Path dir) {
        CapturedRun up = CapturedRun.of("up", "--guests", "qemu", "--bootstrap-servers", "127.0.0.1:9", "--data",
                dir.resolve("data").toString());

        assertThat(up.code()).isEqualTo(2);
        assertThat(up.err()).contains("--guests qemu needs the embedded in-process broker");
    }

    /** Command lines of live QEMU processes whose arguments name a file under {@code data}. */
    private static List<String> qemuProcessesOver(Path data) {
        String prefix = data.toAbsolutePath().toString();
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains("qemu-system") && c.contains(prefix)).toList();
    }
}
