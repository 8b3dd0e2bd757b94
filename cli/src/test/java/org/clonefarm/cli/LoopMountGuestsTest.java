package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.clonefarm.cli.simulation.LoopMountGuestRuntime.mountDisk;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.clonefarm.cli.simulation.DemoMaster;
import org.clonefarm.cli.simulation.LoopMountGuestRuntime;
import org.clonefarm.cli.simulation.TopicEvents;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.platform.cms.EdfFileSystem;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.directory.DirectoryProblem;
import org.clonefarm.platform.directory.DirectoryValidator;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.LoopMount;
import org.clonefarm.platform.layout.CloneLayout.Role;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo master, the local guest runtime and verify on real loop devices, real ext4 and a real
 * broker: clones made LIKE the demo prototypes (a plain byte copy of the master's extents) boot through
 * {@code SimulatedCp.xautolog}, their agents report every step on the guest-events topic (unsigned: no worker
 * copied these clones, so none has a key; no coordinator relays them here), and nothing stays mounted.
 * Runs as root (loop devices, mount, mke2fs).
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class LoopMountGuestsTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @TempDir
    static Path dataDir;

    private static SimulationDataDirectory data;
    private static TopicLayout layout = TopicLayout.defaults();
    private LoopMountGuestRuntime runtime;
    private SimulatedCp system;
    private SimulatedCp.Session operator;

    @BeforeAll
    static void demoMasterAndTopics() throws Exception {
        assertThat(run("master", "create-demo", "--data", dataDir.toString(), "--agent-jar", agentJar().toString()))
                .startsWith("0\ncreated the demo master");
        data = SimulationDataDirectory.at(dataDir);
        try (Admin admin = Admin.create(KafkaSettings.of(KAFKA.bootstrapServers()).admin("local-guests-test"))) {
            layout = TopicLayout.builder().replicationFactor(1).build();
            layout.ensure(admin, 30_000);
        }
    }

    @AfterAll
    static void nothingLeftBehind() throws IOException {
        assertThat(DemoClones.hostResourcesUnder(dataDir)).isEmpty();
    }

    @BeforeEach
    void startRuntime() {
        runtime = new LoopMountGuestRuntime(LoopMountGuestRuntime.Settings.of(data, KAFKA.bootstrapServers(), layout.prefix())
                .withConcurrency(2));
        system = new SimulatedCp(data, runtime, "ZVMSIM");
        operator = system.session(Userid.of("OPERATOR"));
    }

    @AfterEach
    void stopRuntime() {
        runtime.close();
        system.close();
    }

    /** The agent jar the demo master carries: built by the guest-agent module ({@code package}, as CI's verify does). */
    static Path agentJar() {
        Path jar = Path.of(System.getProperty("clonefarm.agent.jar", "../guest-agent/target/clonefarm-agent.jar"));
        assertThat(jar).as("the guest agent jar; build it first: ./mvnw -B -q package -DskipTests -pl guest-agent -am")
                .isRegularFile();
        return jar;
    }

    /** Runs the clonefarm command line; returns the exit code, then the output lines. */
    static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return exit + (out.toString().isEmpty() && err.toString().isEmpty() ? "" : "\n" + out + err);
    }

    private LoopMountGuestRuntime.Outcome boot(String userid) throws Exception {
        assertThat(operator.xautolog(Userid.of(userid)).text()).contains("AUTO LOGON").contains(userid);
        LoopMountGuestRuntime.Outcome outcome = runtime.outcome(Userid.of(userid)).orElseThrow().get(120, TimeUnit.SECONDS);
        assertThat(system.isLoggedOn(Userid.of(userid))).as("logged off after its boot").isFalse();
        return outcome;
    }

    private List<String> facts(String userid) {
        return TopicEvents.read(KafkaSettings.of(KAFKA.bootstrapServers()), layout.guestEvents(),
                e -> e.getUserid().equals(userid), Duration.ofSeconds(30)).stream()
                .map(e -> e.getFactCase().name() + (e.hasAgentStarted() ? "(" + e.getAgentStarted().getMode() + ")" : "")
                        + (e.hasAgentFailed() ? "(" + e.getAgentFailed().getStep() + ")" : ""))
                .toList();
    }

    /** create-demo makes a master whose root is a real ext4 holding the skeleton, with a CMS 0191 and a valid directory. */
    @Test
    void createDemoMakesAMasterWhoseRootMountsAndHoldsTheSkeleton() throws Exception {
        try (LoopMount root = mountDisk(DemoMaster.disk(Role.ROOT).region(data), dataDir.resolve("check-root"), true)) {
            Path r = root.mountPoint();
            assertThat(Files.readString(r.resolve("etc/os-release"))).contains("ID=\"sles\"").contains("VERSION_ID=\"15.5\"");
            assertThat(Files.readString(r.resolve("etc/hostname"))).isEqualTo("lnxmstr\n");
            assertThat(Files.readString(r.resolve("etc/hosts"))).contains("10.1.0.10\tlnxmstr.demo.clonefarm.test lnxmstr");
            assertThat(r.resolve("etc/rc.finalize")).isRegularFile();
            assertThat(r.resolve("etc/ssh/ssh_host_ed25519_key")).isRegularFile();
            assertThat(r.resolve("etc/clonefarm/agent.properties")).isRegularFile();
            assertThat(r.resolve("etc/systemd/system/sysinit.target.wants/clonefarm-finalize.service")).isSymbolicLink();
            assertThat(Files.mismatch(r.resolve("opt/clonefarm/clonefarm-agent.jar"), agentJar())).isEqualTo(-1L);
            assertThat(r.resolve("var")).isDirectory();
        }
        try (EdfFileSystem disk = EdfFileSystem.open(DemoMaster.disk(Role.CONFIG).region(data))) {
            assertThat(disk.readLines(DemoMaster.PROFILE_EXEC)).anyMatch(l -> l.contains("'CP IPL 0200 CLEAR'"));
        }
        List<DirectoryProblem> problems = new DirectoryValidator(data.volumes()).validate(data.readDirectory());
        assertThat(problems).isEmpty();
        String again = run("master", "create-demo", "--data", dataDir.toString(), "--agent-jar", agentJar().toString());
        assertThat(again).startsWith("0").contains("already there, unchanged");
        assertThat(Files.size(data.volumeImage(org.clonefarm.platform.ids.Volser.of(DemoMaster.MASTER_VOLUME))))
                .isEqualTo(1113L * 737_280L);
    }

    /** A changed master is refused without --force, named in the message, and made anew with it. */
    @Test
    void createDemoRefusesToClobberAChangedMasterWithoutForce(@TempDir Path other) throws Exception {
        assertThat(run("master", "create-demo", "--data", other.toString(), "--agent-jar", agentJar().toString())).startsWith("0");
        SimulationDataDirectory otherData = SimulationDataDirectory.at(other);
        FileRegion usr = DemoMaster.disk(Role.USR).region(otherData);
        try (var channel = java.nio.channels.FileChannel.open(usr.path(), java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap("changed".getBytes()), usr.offset() + 4096 * 100);
        }

        String refused = run("master", "create-demo", "--data", other.toString(), "--agent-jar", agentJar().toString());
        String forced = run("master", "create-demo", "--data", other.toString(), "--agent-jar", agentJar().toString(), "--force");

        assertThat(refused).startsWith("1").contains("disk 0203 changed").contains("--force");
        assertThat(forced).startsWith("0").contains("created the demo master");
        assertThat(run("master", "create-demo", "--data", other.toString(), "--agent-jar", agentJar().toString()))
                .contains("already there");
    }

    /** An RW-root clone boots: finalize, reboot, report-ready, every step on the topic; its root has its own identity. */
    @Test
    void rwRootCloneBootsToReadyWithItsOwnIdentityAndVerifies() throws Exception {
        DemoClones.create(data, DemoMaster.PROTOTYPE, List.of("LINUX001"));
        DemoClones.writeNames(data, List.of(DemoClones.entry("LINUX001", "b-rw")));

        LoopMountGuestRuntime.Outcome outcome = boot("LINUX001");

        assertThat(outcome.status()).as(outcome.detail()).isEqualTo(LoopMountGuestRuntime.Status.DONE);
        assertThat(outcome.agentRuns()).containsExactly("finalize", "report-ready");
        assertThat(facts("LINUX001")).containsSubsequence("AGENT_STARTED(finalize)", "IDENTIFIED", "CONFIG_READ",
                "CONFIGURED", "FINALIZE_MARKER_REMOVED", "REBOOTING", "AGENT_STARTED(report-ready)", "READY");
        try (LoopMount root = mountDisk(DemoClones.region(data, "LINUX001", "0200"), dataDir.resolve("check-1"), true)) {
            assertThat(Files.readString(root.mountPoint().resolve("etc/hostname")).strip()).isEqualTo("linux001");
            assertThat(Files.readString(root.mountPoint().resolve("etc/hosts"))).contains("10.1.0.101");
            assertThat(Files.readString(root.mountPoint().resolve("etc/sysconfig/network/ifcfg-enc600"))).contains("10.1.0.101");
            assertThat(root.mountPoint().resolve("etc/rc.finalize")).doesNotExist();
            assertThat(root.mountPoint().resolve("etc/ssh/ssh_host_ed25519_key")).doesNotExist();
        }
        assertThat(DemoClones.hostResourcesUnder(dataDir)).isEmpty();
        assertThat(run("verify", "b-rw", "--data", dataDir.toString(), "--bootstrap-servers", KAFKA.bootstrapServers()))
                .startsWith("0").contains("holds");
    }

    /** An RO-root clone boots from the master's root read-only: initrd mode, READY, post-mount hosts on its /var. */
    @Test
    void roRootCloneBootsFromTheMastersRootAndVerifies() throws Exception {
        DemoClones.create(data, DemoMaster.PROTOTYPE_RO, List.of("LINUX011"));
        DemoClones.writeNames(data, List.of(DemoClones.entry("LINUX011", "b-ro")));

        LoopMountGuestRuntime.Outcome outcome = boot("LINUX011");

        assertThat(outcome.status()).as(outcome.detail()).isEqualTo(LoopMountGuestRuntime.Status.DONE);
        assertThat(outcome.agentRuns()).containsExactly("initrd");
        assertThat(facts("LINUX011")).containsSubsequence("AGENT_STARTED(initrd)", "IDENTIFIED", "CONFIG_READ",
                "CONFIGURED", "READY");
        try (LoopMount var = mountDisk(DemoClones.region(data, "LINUX011", "0202"), dataDir.resolve("check-11"), true)) {
            assertThat(Files.readString(var.mountPoint().resolve("local/etc/hosts"))).contains("10.1.0.111").contains("linux011");
        }
        assertThat(DemoClones.hostResourcesUnder(dataDir)).isEmpty();
        assertThat(run("verify", "b-ro", "--data", dataDir.toString())).startsWith("0");
    }

    /** verify passes on a good clone and names the problem, one line each, on a tampered one. */
    @Test
    void verifyNamesWhatIsWrongWithATamperedClone() throws Exception {
        DemoClones.create(data, DemoMaster.PROTOTYPE, List.of("LINUX021", "LINUX022"));
        DemoClones.writeNames(data, List.of(DemoClones.entry("LINUX021", "b-tamper"), DemoClones.entry("LINUX022", "b-tamper")));
        assertThat(boot("LINUX021").status()).isEqualTo(LoopMountGuestRuntime.Status.DONE);
        assertThat(boot("LINUX022").status()).isEqualTo(LoopMountGuestRuntime.Status.DONE);
        assertThat(run("verify", "b-tamper", "--data", dataDir.toString())).startsWith("0");

        try (LoopMount root = mountDisk(DemoClones.region(data, "LINUX022", "0200"), dataDir.resolve("tamper"), false)) {
            Files.writeString(root.mountPoint().resolve("etc/hostname"), "lnxmstr\n");
            Files.writeString(root.mountPoint().resolve("etc/motd"), "not the master's\n");
        }
        String result = run("verify", "b-tamper", "--data", dataDir.toString());

        assertThat(result).startsWith("1");
        List<String> lines = result.lines().skip(1).toList();
        assertThat(lines).hasSize(2);
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("clone LINUX022 0200 (root): /etc/hostname is 'lnxmstr'"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("clone LINUX022 0200 (root): not a copy of the master's")
                .contains("/etc/motd differs"));
        assertThat(result).doesNotContain("LINUX021");
    }

    /** verify refuses to judge a clone whose disks a local runtime has mounted (it is booting), naming it. */
    @Test
    void verifyNamesACloneThatIsBootingNow() throws Exception {
        DemoClones.create(data, DemoMaster.PROTOTYPE, List.of("LINUX081"));
        DemoClones.writeNames(data, List.of(DemoClones.entry("LINUX081", "b-busy")));
        assertThat(boot("LINUX081").status()).isEqualTo(LoopMountGuestRuntime.Status.DONE);
        Path bootDir = runtime.settings().workDirectory().resolve("LINUX081.boot");

        String result;
        try (LoopMount root = mountDisk(DemoClones.region(data, "LINUX081", "0200"), bootDir.resolve("root"), false)) {
            result = run("verify", "b-busy", "--data", dataDir.toString());
        }

        assertThat(result).startsWith("1").contains("clone LINUX081: is booting now");
        assertThat(run("verify", "b-busy", "--data", dataDir.toString())).startsWith("0");
    }

    /** A failing agent (no NAMES entry for the clone) fails the boot with its step on the topic and leaves nothing mounted. */
    @Test
    void failingAgentLeavesNoMountsOrLoopDevices() throws Exception {
        List<String> before = DemoClones.hostResourcesUnder(dataDir);
        DemoClones.create(data, DemoMaster.PROTOTYPE, List.of("LINUX031"));

        LoopMountGuestRuntime.Outcome outcome = boot("LINUX031");

        assertThat(outcome.status()).isEqualTo(LoopMountGuestRuntime.Status.FAILED);
        assertThat(outcome.detail()).contains("finalize").contains("LINUX031");
        assertThat(facts("LINUX031")).last().isEqualTo("AGENT_FAILED(read-config)");
        assertThat(DemoClones.hostResourcesUnder(dataDir)).isEqualTo(before).isEmpty();
        assertThat(data.root().resolve("run/guests/LINUX031.boot")).doesNotExist();
    }

    /**
     * A /var that does not mount (never copied: zeros) fails after the root was mounted, which is released
     * too; the shutdown listener hears of the failure that no agent could report.
     */
    @Test
    void mountFailureAfterTheRootReleasesTheRootAndTellsTheListener() throws Exception {
        List<LoopMountGuestRuntime.Outcome> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        runtime.close();
        system.close();
        runtime = new LoopMountGuestRuntime(LoopMountGuestRuntime.Settings.of(data, KAFKA.bootstrapServers(), layout.prefix()),
                heard::add);
        system = new SimulatedCp(data, runtime, "ZVMSIM");
        operator = system.session(Userid.of("OPERATOR"));
        DemoClones.create(data, DemoMaster.PROTOTYPE, List.of("LINUX041"));
        FileRegion var = DemoClones.region(data, "LINUX041", "0202");
        try (var channel = java.nio.channels.FileChannel.open(var.path(), java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.allocate(1 << 20), var.offset());
        }
        DemoClones.writeNames(data, List.of(DemoClones.entry("LINUX041", "b-novar")));

        LoopMountGuestRuntime.Outcome outcome = boot("LINUX041");

        assertThat(outcome.status()).isEqualTo(LoopMountGuestRuntime.Status.FAILED);
        assertThat(outcome.detail()).contains("cannot mount").contains(var.toString());
        assertThat(outcome.agentRuns()).isEmpty();
        assertThat(DemoClones.hostResourcesUnder(dataDir)).isEmpty();
        assertThat(heard).containsExactly(outcome);
    }

    /** Ctrl-C (SIGINT) on a process whose guest is booting: its shutdown hook releases every mount and loop device. */
    @Test
    void ctrlCWhileAGuestBootsReleasesEverything() throws Exception {
        DemoClones.create(data, DemoMaster.PROTOTYPE, List.of("LINUX071"));
        DemoClones.writeNames(data, List.of(DemoClones.entry("LINUX071", "b-sigint")));
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LoopMountGuestsChild.class.getName(), dataDir.toString(),
                KAFKA.bootstrapServers(), "LINUX071").redirectErrorStream(true)
                .redirectOutput(dataDir.resolve("child.log").toFile()).start();
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> DemoClones.hostResourcesUnder(dataDir).stream().anyMatch(r -> r.contains("LINUX071.boot")));

            new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start().waitFor(10, TimeUnit.SECONDS);

            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child exits on SIGINT").isTrue();
            assertThat(DemoClones.hostResourcesUnder(dataDir)).as(Files.readString(dataDir.resolve("child.log"))).isEmpty();
        } finally {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            // a child that died without its hook leaves its mounts: the next runtime releases them
            new LoopMountGuestRuntime(runtime.settings()).close();
        }
    }

    /** A runtime starting on a work directory releases the mounts and loop devices a killed one left there. */
    @Test
    void newRuntimeReleasesWhatAKilledOneLeftMounted() throws Exception {
        Path workDirectory = runtime.settings().workDirectory();
        // what a runtime killed with SIGKILL mid-boot leaves: the master's root and /var mounted in a boot directory
        mountDisk(DemoMaster.disk(Role.ROOT).region(data), workDirectory.resolve("LINUX099.boot/root"), true);
        mountDisk(DemoMaster.disk(Role.VAR).region(data), workDirectory.resolve("LINUX099.boot/root/var"), true);
        assertThat(DemoClones.hostResourcesUnder(dataDir)).hasSize(4);

        new LoopMountGuestRuntime(runtime.settings()).close();

        assertThat(DemoClones.hostResourcesUnder(dataDir)).isEmpty();
    }

    /**
     * With a concurrency of 1, guests boot one after the other: each guest's agent starts (its first fact on
     * the topic) only after the previous guest has shut down with every mount released (the runtime's shutdown
     * listener), so no two boots overlap, however short the overlap.
     */
    @Test
    void bootsNoMoreGuestsAtOnceThanItsConcurrency() throws Exception {
        List<String> clones = List.of("LINUX061", "LINUX062", "LINUX063");
        DemoClones.create(data, DemoMaster.PROTOTYPE_RO, clones);
        DemoClones.writeNames(data, clones.stream().map(c -> DemoClones.entry(c, "b-serial")).toList());
        Map<String, Instant> released = new ConcurrentHashMap<>();
        try (LoopMountGuestRuntime serial = new LoopMountGuestRuntime(LoopMountGuestRuntime.Settings.of(data, KAFKA.bootstrapServers(),
                layout.prefix()).withConcurrency(1), outcome -> released.put(outcome.userid().value(), Instant.now()));
                SimulatedCp serialSystem = new SimulatedCp(data, serial, "ZVMSIM")) {
            for (String userid : clones) {
                serialSystem.session(Userid.of("OPERATOR")).xautolog(Userid.of(userid));
            }
            for (String userid : clones) {
                assertThat(serial.outcome(Userid.of(userid)).orElseThrow().get(120, TimeUnit.SECONDS).status())
                        .isEqualTo(LoopMountGuestRuntime.Status.DONE);
            }
        }
        assertThat(released).containsOnlyKeys(clones);
        Map<String, Instant> agentStarted = new java.util.HashMap<>();
        for (String userid : clones) {
            CloneEvent first = TopicEvents.read(KafkaSettings.of(KAFKA.bootstrapServers()), layout.guestEvents(),
                    e -> e.getUserid().equals(userid) && e.hasAgentStarted(), Duration.ofSeconds(30)).get(0);
            agentStarted.put(userid, Instant.ofEpochSecond(first.getTime().getSeconds(), first.getTime().getNanos()));
            assertThat(agentStarted.get(userid)).as("%s's agent starts before its boot ends", userid)
                    .isBefore(released.get(userid));
        }
        for (String a : clones) {
            for (String b : clones) {
                if (!a.equals(b) && agentStarted.get(a).isBefore(agentStarted.get(b))) {
                    assertThat(agentStarted.get(b)).as("%s's agent starts after %s shut down", b, a)
                            .isAfter(released.get(a));
                }
            }
        }
        assertThat(DemoClones.hostResourcesUnder(dataDir)).isEmpty();
    }

    /** Closing the runtime (what Ctrl-C does) while guests boot stops them and releases every mount and loop device. */
    @Test
    void closeWhileGuestsBootReleasesEverything() throws Exception {
        DemoClones.create(data, DemoMaster.PROTOTYPE, List.of("LINUX051", "LINUX052", "LINUX053"));
        DemoClones.writeNames(data, List.of(DemoClones.entry("LINUX051", "b-close"), DemoClones.entry("LINUX052", "b-close"),
                DemoClones.entry("LINUX053", "b-close")));
        for (String userid : List.of("LINUX051", "LINUX052", "LINUX053")) {
            operator.xautolog(Userid.of(userid));
        }
        // concurrency 2: two boot, the third waits; stop them while the agents run
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                .until(() -> !DemoClones.hostResourcesUnder(dataDir).isEmpty());

        runtime.close();

        assertThat(DemoClones.hostResourcesUnder(dataDir)).isEmpty();
        for (String userid : List.of("LINUX051", "LINUX052", "LINUX053")) {
            LoopMountGuestRuntime.Outcome outcome = runtime.outcome(Userid.of(userid)).orElseThrow().get(60, TimeUnit.SECONDS);
            assertThat(outcome.status()).isIn(LoopMountGuestRuntime.Status.HALTED, LoopMountGuestRuntime.Status.DONE);
        }
        assertThat(runtime.running()).isEmpty();
    }
}
