package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clonefarm.cli.simulation.DemoMaster;
import org.clonefarm.cli.simulation.MountedMaster;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.testsupport.DebianLikeTree;
import org.clonefarm.testsupport.HostCommands;
import org.clonefarm.testsupport.TreeManifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clonefarm master prepare}: the command line on a real Debian-like tree (device nodes, owners,
 * extended attributes) and on the demo master's loop-mounted disks; an apply SIGKILLed midway in a child
 * JVM, then completed or undone; and the refusals as the user reads them. Needs root.
 */
class MasterPrepareCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private ChildProcesses children;

    @AfterEach
    void stopChildren() throws Exception {
        if (children != null) {
            children.close();
        }
    }

    /** analyze --json lists the moves, with the post-mount list the master's own agent configuration gives. */
    @Test
    void analyzeJsonListsWhatRoRootMovesWithTheAgentsPostMountList() throws Exception {
        Path root = DebianLikeTree.create(dir.resolve("root"));
        List<String> before = TreeManifest.of(root);

        CapturedRun run = CapturedRun.of("master", "prepare", "analyze", "--root", root.toString(), "--profile", "ro-root", "--json");

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode analysis = JSON.readTree(run.out());
        assertThat(analysis.get("state").asText()).isEqualTo("unprepared");
        assertThat(texts(analysis.get("post_mount"))).containsExactly(DebianLikeTree.POST_MOUNT.split(","));
        List<String> moves = new ArrayList<>();
        for (JsonNode step : analysis.get("steps")) {
            if (step.get("kind").asText().equals("move")) {
                moves.add(step.get("stage").asText() + " " + step.get("path").asText() + " -> " + step.get("link").asText());
            }
        }
        assertThat(moves).containsExactly("writable /home -> /var/local/home", "writable /opt/acme/logs -> /var/local/opt/acme/logs",
                "writable /opt/acme/state -> /var/local/opt/acme/state", "writable /root -> /var/local/root",
                "writable /srv/www/uploads -> /var/local/srv/www/uploads", "writable /tmp -> /var/local/tmp",
                "writable /usr/local/var -> /var/local/usr/local/var",
                "writable /usr/share/acme/counter -> /var/local/usr/share/acme/counter",
                "post-mount /etc/hosts -> /var/local/etc/hosts", "post-mount /etc/resolv.conf -> /var/local/etc/resolv.conf",
                "pre-mount /etc -> /initrd/etc");
        assertThat(analysis.get("problems")).isEmpty();
        assertThat(TreeManifest.of(root)).as("analyze changes nothing").containsExactlyElementsOf(before);
    }

    /** apply prints each step and how to take it back; analyze then shows the journal; undo gives the tree back. */
    @Test
    void applyThenUndoThroughTheCommandLineGiveBackTheTree() throws Exception {
        Path root = DebianLikeTree.create(dir.resolve("root"));
        List<String> before = TreeManifest.of(root);

        CapturedRun apply = CapturedRun.of("master", "prepare", "apply", "--root", root.toString(), "--profile", "rw-root");

        assertThat(apply.code()).as(apply.err()).isZero();
        assertThat(apply.out()).contains("] move   /usr/local/var -> /var/local/usr/local/var")
                .contains("Prepared " + root.toRealPath() + " for rw-root: ")
                .contains("'clonefarm master prepare undo --root " + root + "' takes it back.");
        CapturedRun analyze = CapturedRun.of("master", "prepare", "analyze", "--root", root.toString(), "--profile", "rw-root");
        assertThat(analyze.out()).startsWith(root.toRealPath() + " is prepared for rw-root (journal /boot/clonefarm-prepare.journal");

        CapturedRun undo = CapturedRun.of("master", "prepare", "undo", "--root", root.toString());

        assertThat(undo.code()).as(undo.err()).isZero();
        assertThat(undo.out()).contains("Undid the rw-root preparation of " + root.toRealPath());
        assertThat(TreeManifest.of(root)).containsExactlyElementsOf(before);
    }

    /** An apply SIGKILLed after some steps is completed by apply again; undo then gives back the tree. */
    @Test
    void anApplyKilledMidwayIsCompletedByApplyAgain() throws Exception {
        Path root = DebianLikeTree.create(dir.resolve("root"));
        List<String> before = TreeManifest.of(root);
        killApplyMidway(root);

        CapturedRun again = CapturedRun.of("master", "prepare", "apply", "--root", root.toString(), "--profile", "ro-root");

        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).containsPattern("ro-root: \\d+ steps, \\d+ of them done by the interrupted run");
        assertThat(Files.readSymbolicLink(root.resolve("etc"))).hasToString("/initrd/etc");
        assertThat(Files.readString(root.resolve("var/local/etc/hosts"))).contains("lnxmstr");
        assertThat(CapturedRun.of("master", "prepare", "undo", "--root", root.toString()).code()).isZero();
        assertThat(TreeManifest.of(root)).containsExactlyElementsOf(before);
    }

    /** An apply SIGKILLed after some steps is taken back by undo, exactly. */
    @Test
    void anApplyKilledMidwayIsTakenBackByUndo() throws Exception {
        Path root = DebianLikeTree.create(dir.resolve("root"));
        List<String> before = TreeManifest.of(root);
        killApplyMidway(root);
        CapturedRun analyze = CapturedRun.of("master", "prepare", "analyze", "--root", root.toString(), "--profile", "ro-root");
        assertThat(analyze.out()).startsWith("An apply of ro-root on " + root.toRealPath() + " was interrupted after ");

        CapturedRun undo = CapturedRun.of("master", "prepare", "undo", "--root", root.toString());

        assertThat(undo.code()).as(undo.err()).isZero();
        assertThat(TreeManifest.of(root)).containsExactlyElementsOf(before);
    }

    /** Refusals: not a Linux tree, applied twice, undo without a journal, bad options; one sentence each. */
    @Test
    void refusalsSayWhatIsWrongAndWhatToDo() throws Exception {
        Path photos = Files.createDirectories(dir.resolve("photos"));
        CapturedRun notLinux = CapturedRun.of("master", "prepare", "apply", "--root", photos.toString(), "--profile", "rw-root");
        assertThat(notLinux.code()).isEqualTo(1);
        assertThat(notLinux.err().strip()).isEqualTo("clonefarm master prepare apply: " + photos + " is not the root file system of a Linux system:"
                + " it has no /usr, no /var and no os-release file (/etc/os-release or /usr/lib/os-release). Give --root the"
                + " master's root file system, with its /var and /usr below it.");

        Path root = DebianLikeTree.create(dir.resolve("root"));
        CapturedRun undo = CapturedRun.of("master", "prepare", "undo", "--root", root.toString());
        assertThat(undo.code()).isEqualTo(1);
        assertThat(undo.err().strip()).isEqualTo("clonefarm master prepare undo: " + root.toRealPath() + " has no preparation journal"
                + " (/boot/clonefarm-prepare.journal): it was never prepared, or an undo already finished.");

        assertThat(CapturedRun.of("master", "prepare", "apply", "--root", root.toString(), "--profile", "rw-root").code()).isZero();
        CapturedRun twice = CapturedRun.of("master", "prepare", "apply", "--root", root.toString(), "--profile", "ro-root");
        assertThat(twice.code()).isEqualTo(1);
        assertThat(twice.err().strip()).startsWith("clonefarm master prepare apply: " + root.toRealPath() + " is already prepared for rw-root (journal"
                + " /boot/clonefarm-prepare.journal, ").endsWith("). Take it back first with 'clonefarm master prepare undo --root "
                + root + "'.");

        CapturedRun neither = CapturedRun.of("master", "prepare", "analyze", "--profile", "rw-root");
        assertThat(neither.code()).isEqualTo(2);
        assertThat(neither.err()).contains("give the master as --root DIR (its root file system) or as --master-data DIR");
        CapturedRun badProfile = CapturedRun.of("master", "prepare", "analyze", "--root", root.toString(), "--profile", "rw");
        assertThat(badProfile.code()).isEqualTo(2);
        assertThat(badProfile.err()).contains("--profile rw is not a profile; give rw-root or ro-root");
    }

    /** --master-data: the demo master's disks loop-mounted, prepared for ro-root, undone; nothing stays mounted. */
    @Test
    void masterDataPreparesAndUndoesTheDemoMastersDisks() throws Exception {
        Path data = dir.resolve("data");
        SimulationDataDirectory simulation = SimulationDataDirectory.at(data);
        new DemoMaster(simulation, LoopMountGuestsTest.agentJar()).create(false);
        List<String> before = demoMasterManifest(simulation);
        List<String> loopsBefore = HostCommands.loopDevices();

        CapturedRun apply = CapturedRun.of("master", "prepare", "apply", "--master-data", data.toString(), "--profile", "ro-root");

        assertThat(apply.code()).as(apply.err()).isZero();
        assertThat(apply.out()).contains("move   /etc -> " + CloneLayout.INITRD_TREE + "/etc, linked as /initrd/etc")
                .contains("move   /etc/hosts -> /var/local/etc/hosts");
        assertThat(HostCommands.loopDevices()).containsExactlyInAnyOrderElementsOf(loopsBefore);
        assertThat(Files.readAllLines(Path.of("/proc/mounts"))).noneMatch(line -> line.contains(data.toString()));
        assertThat(DemoMaster.currentDigests(simulation)).as("the demo master's record follows the prepared disks")
                .isEqualTo(DemoMaster.Manifest.read(simulation).orElseThrow().diskDigests());
        try (MountedMaster mounted = MountedMaster.mount(simulation, Userid.of(DemoMaster.MASTER), true)) {
            assertThat(Files.readSymbolicLink(mounted.root().resolve("etc"))).hasToString("/initrd/etc");
            assertThat(Files.readSymbolicLink(mounted.root().resolve("boot/clonefarm-initrd/etc/hosts")))
                    .hasToString("/var/local/etc/hosts");
            assertThat(Files.readString(mounted.root().resolve("var/local/etc/hosts"))).contains(DemoMaster.MASTER_HOSTNAME);
            assertThat(Files.isRegularFile(mounted.root().resolve("boot/clonefarm-initrd/etc/clonefarm/agent.properties"),
                    LinkOption.NOFOLLOW_LINKS)).isTrue();
        }
        CapturedRun analyze = CapturedRun.of("master", "prepare", "analyze", "--master-data", data.toString(), "--profile",
                "ro-root", "--json");
        assertThat(JSON.readTree(analyze.out()).get("state").asText()).isEqualTo("applied");

        CapturedRun undo = CapturedRun.of("master", "prepare", "undo", "--master-data", data.toString());

        assertThat(undo.code()).as(undo.err()).isZero();
        assertThat(demoMasterManifest(simulation)).containsExactlyElementsOf(before);
        assertThat(HostCommands.loopDevices()).containsExactlyInAnyOrderElementsOf(loopsBefore);
    }

    // ---- helpers

    /** Starts apply in a child JVM that pauses after each step, waits for 3 finished steps in the journal, SIGKILLs it. */
    private void killApplyMidway(Path root) throws Exception {
        children = new ChildProcesses(dir.resolve("logs"));
        Process child = children.start("apply", List.of("-D" + MasterPrepareCommand.STEP_PAUSE_PROPERTY + "=400"),
                "master", "prepare", "apply", "--root", root.toString(), "--profile", "ro-root");
        Path journal = root.resolve(CloneLayout.PREPARATION_JOURNAL.substring(1));
        await("three steps done in the journal").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> doneRecords(journal) >= 3);
        assertThat(child.isAlive()).as("apply is still running when it is killed; its output: %s", children.out("apply")).isTrue();
        child.destroyForcibly();
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isEqualTo(137);
        assertThat(doneRecords(journal)).isBetween(3L, 5L);
    }

    private static long doneRecords(Path journal) throws IOException {
        if (!Files.exists(journal)) {
            return 0;
        }
        return Files.readAllLines(journal, StandardCharsets.US_ASCII).stream().filter(line -> line.contains(" done ")).count();
    }

    private static List<String> demoMasterManifest(SimulationDataDirectory simulation) throws IOException {
        try (MountedMaster mounted = MountedMaster.mount(simulation, Userid.of(DemoMaster.MASTER), true)) {
            return TreeManifest.of(mounted.root());
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }
}
