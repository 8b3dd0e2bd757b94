package org.clonefarm.platform.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.testsupport.DebianLikeTree;
import org.clonefarm.testsupport.HostCommands;
import org.clonefarm.testsupport.LoopMountedFileSystem;
import org.clonefarm.testsupport.TreeManifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Master preparation on a real Debian-like tree made in the test (device nodes from mknod, owners, setgid
 * and sticky directories, extended attributes, hard links), with the master's /var on a file system of its
 * own as on a real master, so moves to /var/local cross file systems. Needs root.
 */
class MasterPreparationTest {
    private static final PreparationProfile RW = new PreparationProfile("rw-root", false, List.of());
    private static final PreparationProfile RO = new PreparationProfile("ro-root", true,
            List.of(DebianLikeTree.POST_MOUNT.split(",")));
    private static final MasterPreparation.Progress QUIET = (number, count, step, already) -> { };

    @TempDir
    Path dir;
    private Path root;
    private LoopMountedFileSystem varDisk;
    private boolean varBound;

    @BeforeEach
    void makeTree() throws IOException {
        root = dir.resolve("root");
        Files.createDirectories(root.resolve("var"));
        varDisk = LoopMountedFileSystem.create(Files.createDirectories(dir.resolve("var-disk")), 64, "mkfs.ext4", "-q");
        HostCommands.run("mount", "--bind", varDisk.mountPoint().toString(), root.resolve("var").toString());
        varBound = true;
        DebianLikeTree.create(root);
    }

    @AfterEach
    void unmount() throws Exception {
        try {
            if (varBound) {
                HostCommands.run("umount", root.resolve("var").toString());
            }
        } finally {
            varDisk.close();
        }
    }

    /** rw-root: what the rules and the master's own list find under /usr and /opt, and nothing of the root. */
    @Test
    void analyzeForRwRootListsTheWritablePathsOfUsrAndOpt() throws Exception {
        RelocationPlan plan = new MasterPreparation(MasterTree.at(root)).analyze(RW);

        assertThat(plan.problems()).isEmpty();
        assertThat(moves(plan)).containsExactly(
                "/opt/acme/logs -> /var/local/opt/acme/logs (directory, WRITABLE)",
                "/opt/acme/state -> /var/local/opt/acme/state (directory, WRITABLE)",
                "/usr/local/var -> /var/local/usr/local/var (directory, WRITABLE)",
                "/usr/share/acme/counter -> /var/local/usr/share/acme/counter (file, WRITABLE)");
        assertThat(relinks(plan)).containsExactly("/usr/local/var/run: ../../../run -> /run");
        assertThat(plan.skipped()).extracting(RelocationPlan.Skipped::path)
                .containsExactlyInAnyOrder("/srv/www/uploads", "/var/lib/acme", "/usr/share/missing");
        assertThat(plan.skipped()).filteredOn(s -> s.path().equals("/srv/www/uploads")).extracting(RelocationPlan.Skipped::why)
                .containsExactly("on the root, which rw-root clones own");
        // /var/local/usr stands for /usr: same mode and owner
        assertThat(plan.steps()).contains(new PlanStep.MakeDirectory("/var/local/usr/share/acme", 0755, 0, 0,
                "stands for /usr/share/acme"));
    }

    /** ro-root: /etc into the initrd (/dev stays), the post-mount files to /var/local/etc, the root's writable trees. */
    @Test
    void analyzeForRoRootListsTheInitrdThePostMountFilesAndTheRootsWritableTrees() throws Exception {
        RelocationPlan plan = new MasterPreparation(MasterTree.at(root)).analyze(RO);

        assertThat(plan.problems()).isEmpty();
        assertThat(moves(plan)).containsExactly(
                "/home -> /var/local/home (directory, WRITABLE)",
                "/opt/acme/logs -> /var/local/opt/acme/logs (directory, WRITABLE)",
                "/opt/acme/state -> /var/local/opt/acme/state (directory, WRITABLE)",
                "/root -> /var/local/root (directory, WRITABLE)",
                "/srv/www/uploads -> /var/local/srv/www/uploads (directory, WRITABLE)",
                "/tmp -> /var/local/tmp (directory, WRITABLE)",
                "/usr/local/var -> /var/local/usr/local/var (directory, WRITABLE)",
                "/usr/share/acme/counter -> /var/local/usr/share/acme/counter (file, WRITABLE)",
                "/etc/hosts -> /var/local/etc/hosts (file, POST_MOUNT)",
                "/etc/resolv.conf -> /var/local/etc/resolv.conf (file, POST_MOUNT)",
                "/etc -> /boot/clonefarm-initrd/etc as /initrd/etc (directory, PRE_MOUNT)");
        assertThat(plan.steps()).contains(new PlanStep.Link("/etc/adjtime", "/var/local/etc/adjtime",
                "post-mount (the agent's initrd.post.mount): kept on the clone's /var, read after it is mounted;"
                        + " absent on the master, the agent writes it at boot"));
        assertThat(relinks(plan)).containsExactlyInAnyOrder("/usr/local/var/run: ../../../run -> /run",
                "/etc/os-release: ../usr/lib/os-release -> /usr/lib/os-release", "/etc/mtab: ../proc/self/mounts -> /proc/self/mounts");
        assertThat(plan.steps()).filteredOn(PlanStep.MakeDirectory.class::isInstance).extracting(PlanStep::path)
                .contains(CloneLayout.INITRD_MOUNT, CloneLayout.INITRD_TREE, "/var/local/etc");
        assertThat(plan.moves()).as("/dev stays: a devtmpfs is mounted over it at every boot").extracting(PlanStep::path)
                .noneMatch(path -> path.equals("/dev") || path.startsWith("/dev/"));
    }

    /** rw-root apply moves the state with links in place; undo gives back the tree exactly. */
    @Test
    void rwRootApplyThenUndoGivesBackAByteIdenticalTree() throws Exception {
        List<String> before = TreeManifest.of(root);
        MasterPreparation preparation = new MasterPreparation(MasterTree.at(root));

        MasterPreparation.Outcome applied = preparation.apply(RW, QUIET);

        assertThat(applied.stepsRun()).isEqualTo(applied.plan().steps().size());
        assertThat(Files.readSymbolicLink(root.resolve("usr/local/var"))).hasToString("/var/local/usr/local/var");
        Path state = root.resolve("var/local/usr/local/var/lib/app/state.db");
        assertThat(Files.readString(state)).isEqualTo("application state, written at run time\n");
        assertThat(Files.getAttribute(state, "unix:uid")).isEqualTo(1001);
        assertThat(TreeManifest.xattrs(state)).containsKey("user.clonefarm.origin");
        assertThat(Files.readSymbolicLink(root.resolve("var/local/usr/local/var/run"))).hasToString("/run");
        assertThat(Files.readSymbolicLink(root.resolve("usr/share/acme/counter"))).hasToString("/var/local/usr/share/acme/counter");
        assertThat(preparation.status().state()).isEqualTo(MasterPreparation.State.APPLIED);

        preparation.undo(QUIET);

        assertThat(TreeManifest.of(root)).containsExactlyElementsOf(before);
        assertThat(preparation.status().state()).isEqualTo(MasterPreparation.State.UNPREPARED);
    }

    /** ro-root apply: /etc a link into the initrd, post-mount links to /var/local/etc; undo is exact. */
    @Test
    void roRootApplyThenUndoGivesBackAByteIdenticalTree() throws Exception {
        List<String> before = TreeManifest.of(root);
        MasterPreparation preparation = new MasterPreparation(MasterTree.at(root));

        preparation.apply(RO, QUIET);

        Path initrd = root.resolve(CloneLayout.INITRD_TREE.substring(1));
        assertThat(Files.readSymbolicLink(root.resolve("etc"))).hasToString("/initrd/etc");
        assertThat(Files.isDirectory(root.resolve("dev"), LinkOption.NOFOLLOW_LINKS)).as("/dev stays a directory").isTrue();
        assertThat(Files.isDirectory(root.resolve("initrd"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.readSymbolicLink(initrd.resolve("etc/hosts"))).hasToString("/var/local/etc/hosts");
        assertThat(Files.readSymbolicLink(initrd.resolve("etc/adjtime"))).hasToString("/var/local/etc/adjtime");
        assertThat(Files.readString(root.resolve("var/local/etc/hosts"))).contains("lnxmstr");
        assertThat(Files.readString(initrd.resolve("etc/hostname"))).isEqualTo("lnxmstr\n");
        assertThat(Files.readSymbolicLink(initrd.resolve("etc/os-release"))).hasToString("/usr/lib/os-release");
        assertThat(Files.readSymbolicLink(initrd.resolve("etc/rc2.d/S01ssh"))).hasToString("../init.d/ssh");
        assertThat(Files.getAttribute(root.resolve("dev/null"), "unix:rdev", LinkOption.NOFOLLOW_LINKS)).isEqualTo(259L);
        assertThat(Files.readSymbolicLink(root.resolve("home"))).hasToString("/var/local/home");
        assertThat(Files.getAttribute(root.resolve("var/local/home/alice/notes-link.txt"), "unix:ino"))
                .isEqualTo(Files.getAttribute(root.resolve("var/local/home/alice/notes.txt"), "unix:ino"));
        assertThat(TreeManifest.xattrs(root.resolve("var/local/home/alice/.profile"))).containsKey("trusted.clonefarm.test");
        assertThat(Files.getAttribute(root.resolve("var/local/tmp"), "unix:mode", LinkOption.NOFOLLOW_LINKS)).isEqualTo(041777);

        preparation.undo(QUIET);

        assertThat(TreeManifest.of(root)).containsExactlyElementsOf(before);
    }

    /** A run that stops after some steps is completed by apply again, and a stopped one is taken back by undo. */
    @Test
    void aStoppedApplyIsCompletedByApplyAgainOrTakenBackByUndo() throws Exception {
        List<String> before = TreeManifest.of(root);
        MasterPreparation preparation = new MasterPreparation(MasterTree.at(root));
        RuntimeException stop = new RuntimeException("stopped");
        assertThatThrownBy(() -> preparation.apply(RO, (number, count, step, already) -> {
            if (number == 7) {
                throw stop;
            }
        })).isSameAs(stop);
        assertThat(preparation.status().state()).isEqualTo(MasterPreparation.State.APPLYING);
        assertThat(preparation.status().stepsDone()).isEqualTo(7);

        List<Boolean> already = new ArrayList<>();
        MasterPreparation.Outcome completed = preparation.apply(RO, (number, count, step, was) -> already.add(was));

        assertThat(completed.stepsAlready()).isEqualTo(7);
        assertThat(already.subList(0, 7)).containsOnly(true);
        assertThat(Files.readSymbolicLink(root.resolve("etc"))).hasToString("/initrd/etc");
        preparation.undo(QUIET);
        assertThat(TreeManifest.of(root)).containsExactlyElementsOf(before);

        assertThatThrownBy(() -> preparation.apply(RW, (number, count, step, was) -> {
            if (number == 5) {
                throw stop;
            }
        })).isSameAs(stop);
        preparation.undo(QUIET);
        assertThat(TreeManifest.of(root)).containsExactlyElementsOf(before);
    }

    /** A journal line torn by a crash while it was appended is dropped; the run continues from the last whole one. */
    @Test
    void aTornJournalTailIsDroppedAndTheApplyCompletes() throws Exception {
        List<String> before = TreeManifest.of(root);
        MasterPreparation preparation = new MasterPreparation(MasterTree.at(root));
        RuntimeException stop = new RuntimeException("stopped");
        assertThatThrownBy(() -> preparation.apply(RW, (number, count, step, already) -> {
            if (number == 3) {
                throw stop;
            }
        })).isSameAs(stop);
        Path journal = root.resolve(CloneLayout.PREPARATION_JOURNAL.substring(1));
        Files.writeString(journal, "0badc0de begin", StandardCharsets.US_ASCII, StandardOpenOption.APPEND);

        preparation.apply(RW, QUIET);
        assertThat(preparation.status().state()).isEqualTo(MasterPreparation.State.APPLIED);
        preparation.undo(QUIET);

        assertThat(TreeManifest.of(root)).containsExactlyElementsOf(before);
    }

    /** Apply on a prepared tree, another profile midway, undo without a journal, and a non-Linux tree are refused. */
    @Test
    void refusalsSayWhatIsWrong() throws Exception {
        MasterPreparation preparation = new MasterPreparation(MasterTree.at(root));
        assertThatThrownBy(() -> preparation.undo(QUIET)).isInstanceOfSatisfying(PreparationException.class, e -> {
            assertThat(e.reason()).isEqualTo(PreparationException.Reason.NO_JOURNAL);
            assertThat(e).hasMessage(root + " has no preparation journal (/boot/clonefarm-prepare.journal): it was never"
                    + " prepared, or an undo already finished.");
        });
        preparation.apply(RW, QUIET);
        assertThatThrownBy(() -> preparation.apply(RW, QUIET)).isInstanceOfSatisfying(PreparationException.class, e -> {
            assertThat(e.reason()).isEqualTo(PreparationException.Reason.ALREADY_PREPARED);
            assertThat(e).hasMessageStartingWith(root + " is already prepared for rw-root (journal /boot/clonefarm-prepare.journal, ");
        });
        assertThatThrownBy(() -> preparation.apply(RO, QUIET)).isInstanceOfSatisfying(PreparationException.class,
                e -> assertThat(e.reason()).isEqualTo(PreparationException.Reason.ALREADY_PREPARED));

        Path notLinux = Files.createDirectories(dir.resolve("photos/2024"));
        assertThatThrownBy(() -> MasterTree.at(notLinux.getParent())).isInstanceOfSatisfying(PreparationException.class, e -> {
            assertThat(e.reason()).isEqualTo(PreparationException.Reason.NOT_A_LINUX_TREE);
            assertThat(e).hasMessage(notLinux.getParent() + " is not the root file system of a Linux system: it has no /usr,"
                    + " no /var and no os-release file (/etc/os-release or /usr/lib/os-release).");
        });
        assertThatThrownBy(() -> MasterTree.at(Path.of("/"))).isInstanceOfSatisfying(PreparationException.class,
                e -> assertThat(e.reason()).isEqualTo(PreparationException.Reason.RUNNING_SYSTEM));
    }

    /** A destination that already exists blocks the plan, and apply changes nothing. */
    @Test
    void aDestinationThatExistsBlocksTheApply() throws Exception {
        Files.createDirectories(root.resolve("var/local/usr/local/var"));
        List<String> before = TreeManifest.of(root);
        MasterPreparation preparation = new MasterPreparation(MasterTree.at(root));

        assertThatThrownBy(() -> preparation.apply(RW, QUIET)).isInstanceOfSatisfying(PreparationException.class, e -> {
            assertThat(e.reason()).isEqualTo(PreparationException.Reason.BLOCKED);
            assertThat(e).hasMessage(root + " cannot be prepared for rw-root: /var/local/usr/local/var already exists;"
                    + " preparation moves /usr/local/var there.");
        });
        assertThat(TreeManifest.of(root)).containsExactlyElementsOf(before);
    }

    private static List<String> moves(RelocationPlan plan) {
        return plan.moves().stream().map(m -> m.path() + " -> " + m.destination()
                + (m.linkTarget().equals(m.destination()) ? "" : " as " + m.linkTarget()) + " (" + m.type() + ", " + m.stage() + ")")
                .toList();
    }

    private static List<String> relinks(RelocationPlan plan) {
        return plan.steps().stream().filter(PlanStep.Relink.class::isInstance).map(PlanStep.Relink.class::cast)
                .map(r -> r.path() + ": " + r.oldTarget() + " -> " + r.newTarget()).toList();
    }

}
