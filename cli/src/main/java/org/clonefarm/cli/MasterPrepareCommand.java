package org.clonefarm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.clonefarm.agent.AgentConfig;
import org.clonefarm.agent.AgentException;
import org.clonefarm.cli.console.Invocation;
import org.clonefarm.cli.simulation.DemoMaster;
import org.clonefarm.cli.simulation.GuestRuntimeException;
import org.clonefarm.cli.simulation.MountedMaster;
import org.clonefarm.coordinator.spec.CloneProfile;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.master.MasterPreparation;
import org.clonefarm.platform.master.MasterTree;
import org.clonefarm.platform.master.PlanStep;
import org.clonefarm.platform.master.PreparationException;
import org.clonefarm.platform.master.PreparationProfile;
import org.clonefarm.platform.master.RelocationPlan;
import org.clonefarm.platform.master.RuntimeWritablePaths;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code clonefarm master prepare analyze|apply|undo}: the paper's master preparation
 * ({@link MasterPreparation}) on a master tree given as a directory ({@code --root}) or as the local
 * simulation's master disks ({@code --master-data}, loop-mounted by {@link MountedMaster}). The RO-root
 * post-mount list is the guest agent's own {@code initrd.post.mount}, read from the master's
 * {@code /etc/clonefarm/agent.properties} with {@link AgentConfig}, so the preparation links exactly the
 * files the agent writes under {@code /var/local/etc}.
 */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = {
            "Prepare a master for its clones as the paper does (RW root or RO root), or take it back.",
            "",
            "rw-root: the clones link /usr and /opt read-only, so the files the system writes there move to "
                    + CloneLayout.VAR_LOCAL + "/<original path> with a link in their place. On Debian 12 only dpkg writes"
                    + " there (measured: docs/master.md); the rules catch what software from outside Debian writes"
                    + " (/usr/local/var, logs and state inside /opt/<package>; analyze --json lists every rule and why),"
                    + " and the master names its own in " + CloneLayout.WRITABLE_LIST + " (one path a line, * for one part).",
            "",
            "ro-root: the whole root is read-only. In addition the root's writable directories (/tmp, /root, /home) move to "
                    + CloneLayout.VAR_LOCAL + "; /etc and /dev move into the initrd's files (" + CloneLayout.INITRD_TREE
                    + ") and become links to " + CloneLayout.INITRD_MOUNT + "/etc and " + CloneLayout.INITRD_MOUNT
                    + "/dev; the post-mount /etc files (the guest agent's initrd.post.mount in the master's "
                    + AgentConfig.DEFAULT_PATH + ") move to " + CloneLayout.VAR_LOCAL + "/etc, linked from the initrd's /etc.",
            "",
            "apply journals each step in the master (" + CloneLayout.PREPARATION_JOURNAL + ") before it makes it: an"
                    + " interrupted apply is completed by apply again or taken back by undo, and undo gives back the tree"
                    + " exactly (names, modes, owners, times, contents, links, devices, extended attributes). Keep clones"
                    + " from being copied from the master while it changes.",
            ""
        },
        subcommands = {MasterPrepareCommand.Analyze.class, MasterPrepareCommand.Apply.class, MasterPrepareCommand.Undo.class})
final class MasterPrepareCommand implements Runnable {
    /**
     * Visible for testing: milliseconds to pause after each step of apply and undo, so that a test can
     * kill the process midway ({@code MasterPrepareCommandTest}); 0 normally.
     */
    static final String STEP_PAUSE_PROPERTY = "clonefarm.prepare.step-pause-ms";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Which master: a directory, or the simulation's master disks. A picocli mixin. */
    static final class Target {
        @Option(names = "--root", paramLabel = "DIR",
                description = "The master's root file system as a directory of this host, with its /var, /usr and /opt"
                        + " below it (mounted there, or plain directories).")
        Path root;

        @Option(names = "--master-data", paramLabel = "DIR",
                description = "Instead of --root: a local simulation's data directory; the master's root, /var, /usr and"
                        + " /opt minidisks (at their roles' vaddrs; /opt where it has one) are loop-mounted for the run"
                        + " (needs root).")
        Path masterData;

        @Option(names = "--master", paramLabel = "USERID", defaultValue = DemoMaster.MASTER,
                description = "With --master-data: the master's userid (default: ${DEFAULT-VALUE}).")
        String master;

        /** What the user gave, for hints: {@code --root DIR} or {@code --master-data DIR}. */
        String given() {
            return root != null ? "--root " + root
                    : "--master-data " + masterData + (master.equals(DemoMaster.MASTER) ? "" : " --master " + master);
        }

        /** Runs {@code work} on the master's tree, mounting and unmounting the disks for --master-data. */
        <T> T run(boolean readOnly, TreeWork<T> work) throws PreparationException {
            if ((root == null) == (masterData == null)) {
                throw UserError.usage("give the master as --root DIR (its root file system) or as --master-data DIR"
                        + " (the simulation's master disks), one of them");
            }
            if (root != null) {
                return work.run(MasterTree.at(root), null);
            }
            Userid userid;
            try {
                userid = Userid.of(master);
            } catch (IllegalArgumentException e) {
                throw UserError.usage("--master " + master + " is not a z/VM userid: " + e.getMessage());
            }
            SimulationDataDirectory data = SimulationDataDirectory.at(masterData.toAbsolutePath().normalize());
            if (!Files.exists(data.directoryFile())) {
                throw UserError.usage("--master-data " + masterData + " holds no local simulation (no "
                        + data.directoryFile() + "); create the demo master with '"
                        + Invocation.command("master create-demo --data " + masterData) + "'");
            }
            MountedMaster mounted;
            try {
                mounted = MountedMaster.mount(data, userid, readOnly);
            } catch (GuestRuntimeException e) {
                throw new UserError("cannot mount the disks of " + userid + ": " + e.getMessage() + ".", e);
            }
            try (mounted) {
                return work.run(MasterTree.at(mounted.root()), data);
            } catch (GuestRuntimeException e) {
                throw new UserError("the master's disks could not be released: " + e.getMessage() + ".", e);
            }
        }
    }

    /** Work on a master tree; {@code data} is the simulation whose disks hold it, or null for --root. */
    @FunctionalInterface
    interface TreeWork<T> {
        T run(MasterTree tree, SimulationDataDirectory data) throws PreparationException;
    }

    @Command(name = "analyze", mixinStandardHelpOptions = true,
            description = {
                "List what apply would do for a profile, changing nothing.",
                "",
                "The moves (where to and why), the links rewritten, the directories made, what the rules matched but leave"
                        + " alone, and what keeps apply from running (then the exit code is 1). On a prepared master: what"
                        + " apply did, from the journal."
            })
    static final class Analyze implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--profile", required = true, paramLabel = "rw-root|ro-root", description = "The clones' profile.")
        String profile;

        @Option(names = "--json", description = "Print one JSON object: state, steps, skipped paths, problems.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            CloneProfile clones = parseProfile(profile);
            return handled(target, () -> target.run(true, (tree, data) -> {
                MasterPreparation preparation = new MasterPreparation(tree);
                MasterPreparation.Status status = preparation.status();
                RelocationPlan plan = status.state() == MasterPreparation.State.UNPREPARED
                        ? preparation.analyze(preparationProfile(clones, tree)) : status.plan();
                if (json) {
                    System.out.println(json(tree, status, plan));
                } else {
                    printAnalysis(tree, status, plan, target);
                }
                return plan.applicable() ? 0 : 1;
            }));
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {
                "Prepare the master for a profile.",
                "",
                "Journals the plan, then makes it one step at a time. Run again after an interruption, it completes the"
                        + " journal's plan; a master already prepared is refused."
            })
    static final class Apply implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--profile", required = true, paramLabel = "rw-root|ro-root", description = "The clones' profile.")
        String profile;

        @Override
        public Integer call() throws Exception {
            CloneProfile clones = parseProfile(profile);
            return handled(target, () -> {
                String done = target.run(false, (tree, data) -> {
                    MasterPreparation.Outcome outcome = new MasterPreparation(tree)
                            .apply(preparationProfile(clones, tree), MasterPrepareCommand::printStep);
                    return "Prepared " + tree + " for " + outcome.plan().profile().name() + ": "
                            + outcome.plan().steps().size() + " steps" + (outcome.stepsAlready() == 0 ? ""
                            : ", " + outcome.stepsAlready() + " of them done by the interrupted run") + "; journal "
                            + CloneLayout.PREPARATION_JOURNAL + ". '" + Invocation.command("master prepare undo " + target.given())
                            + "' takes it back.";
                });
                recordDemoMaster(target);
                System.out.println(done);
                return 0;
            });
        }
    }

    @Command(name = "undo", mixinStandardHelpOptions = true,
            description = {
                "Take back the master's preparation, exactly.",
                "",
                "Takes back every step of the journal (of a finished or an interrupted apply), newest first, and puts back"
                        + " the directories' times: the tree is as it was before apply. Run again after an interruption."
            })
    static final class Undo implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() throws Exception {
            return handled(target, () -> {
                String done = target.run(false, (tree, data) -> {
                    MasterPreparation.Outcome outcome = new MasterPreparation(tree).undo(MasterPrepareCommand::printStep);
                    return "Undid the " + outcome.plan().profile().name() + " preparation of " + tree + ": "
                            + outcome.stepsRun() + " steps taken back" + (outcome.stepsAlready() == 0 ? ""
                            : ", " + outcome.stepsAlready() + " needed nothing") + "; the journal is gone.";
                });
                recordDemoMaster(target);
                System.out.println(done);
                return 0;
            });
        }
    }

    // ---- shared

    /** A preparation run that may be refused. */
    @FunctionalInterface
    interface Run {
        int call() throws PreparationException;
    }

    /** Runs {@code run}, turning a refusal or failure into one or two sentences with what to do. */
    static int handled(Target target, Run run) {
        try {
            return run.call();
        } catch (PreparationException e) {
            String undo = "'" + Invocation.command("master prepare undo " + target.given()) + "'";
            String hint;
            switch (e.reason()) {
                case ALREADY_PREPARED:
                    hint = " Take it back first with " + undo + ".";
                    break;
                case OTHER_PROFILE_INTERRUPTED:
                    hint = " Complete it with apply and its profile, or take it back with " + undo + ".";
                    break;
                case UNDO_INTERRUPTED:
                    hint = " Finish it with " + undo + ".";
                    break;
                case TREE_CHANGED:
                case STEP_FAILED:
                    hint = " Fix the cause and run the same command again: it continues from the journal.";
                    break;
                case NOT_A_LINUX_TREE:
                    hint = " Give --root the master's root file system, with its /var and /usr below it.";
                    break;
                default:
                    hint = "";
            }
            throw new UserError(e.getMessage() + hint, e);
        }
    }

    static CloneProfile parseProfile(String name) {
        CloneProfile profile = CloneProfile.fromSpecName(name);
        if (profile == null) {
            throw UserError.usage("--profile " + name + " is not a profile; give rw-root or ro-root");
        }
        return profile;
    }

    /**
     * The profile as preparation needs it; RO root takes the post-mount list from the master's agent
     * configuration (its defaults where the master has none), so preparation and agent agree.
     */
    static PreparationProfile preparationProfile(CloneProfile profile, MasterTree tree) {
        if (profile == CloneProfile.RW_ROOT) {
            return new PreparationProfile(profile.specName(), false, List.of());
        }
        return new PreparationProfile(profile.specName(), true, agentConfig(tree).postMountFiles());
    }

    private static AgentConfig agentConfig(MasterTree tree) {
        String guestPath = AgentConfig.DEFAULT_PATH;
        if (!tree.exists(guestPath)) {
            return AgentConfig.defaults();
        }
        Path file = tree.resolve(guestPath);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new UserError("the master's agent configuration " + guestPath + " is not a plain file; preparation"
                    + " reads its initrd.post.mount from there and follows no link in the master.");
        }
        try {
            return AgentConfig.load(file, true);
        } catch (AgentException e) {
            throw new UserError("the master's agent configuration is not valid: " + e.getMessage() + ".", e);
        }
    }

    /**
     * After --master-data changed the demo master on purpose, its record follows (once the disks are unmounted
     * and so written back), so that verify compares clones against the master as it now is.
     */
    private static void recordDemoMaster(Target target) {
        if (target.masterData == null || !target.master.equals(DemoMaster.MASTER)) {
            return;
        }
        SimulationDataDirectory data = SimulationDataDirectory.at(target.masterData.toAbsolutePath().normalize());
        try {
            DemoMaster.recordDisks(data);
        } catch (IOException e) {
            throw new UserError("the master is prepared, but the demo master's record in " + data.root()
                    + " cannot be updated: " + e + ".", e);
        }
    }

    private static void printStep(int number, int count, PlanStep step, boolean already) {
        System.out.println("  [" + number + "/" + count + "] " + brief(step) + (already ? " (done before)" : ""));
        System.out.flush();
        long pause = Long.getLong(STEP_PAUSE_PROPERTY, 0);
        if (pause > 0 && !already) {
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String brief(PlanStep step) {
        if (step instanceof PlanStep.MakeDirectory mkdir) {
            return "mkdir  " + mkdir.path();
        } else if (step instanceof PlanStep.Relink relink) {
            return "relink " + relink.path() + " -> " + relink.newTarget() + " (was " + relink.oldTarget() + ")";
        } else if (step instanceof PlanStep.Move move) {
            return "move   " + move.path() + " -> " + move.destination()
                    + (move.linkTarget().equals(move.destination()) ? "" : ", linked as " + move.linkTarget());
        }
        PlanStep.Link link = (PlanStep.Link) step;
        return "link   " + link.path() + " -> " + link.target();
    }

    private static void printAnalysis(MasterTree tree, MasterPreparation.Status status, RelocationPlan plan, Target target) {
        String name = plan.profile().name();
        switch (status.state()) {
            case APPLIED:
                System.out.println(tree + " is prepared for " + name + " (journal " + CloneLayout.PREPARATION_JOURNAL
                        + ", since " + status.started() + "). What apply did:");
                break;
            case APPLYING:
                System.out.println("An apply of " + name + " on " + tree + " was interrupted after " + status.stepsDone()
                        + " of " + plan.steps().size() + " steps: apply again completes it, '"
                        + Invocation.command("master prepare undo " + target.given()) + "' takes it back. Its plan:");
                break;
            case UNDOING:
                System.out.println("An undo of the " + name + " preparation of " + tree + " was interrupted after "
                        + status.stepsDone() + " of " + plan.steps().size() + " steps; undo again finishes it. The plan:");
                break;
            default:
                System.out.println("What apply --profile " + name + " would do on " + tree + " (" + plan.steps().size()
                        + " steps, " + plan.moves().size() + " moves):");
        }
        for (PlanStep step : plan.steps()) {
            System.out.println("  " + detailed(step));
        }
        if (plan.steps().isEmpty()) {
            System.out.println("  nothing: no path of " + tree + " matches the rules for " + name);
        }
        if (!plan.skipped().isEmpty()) {
            System.out.println("Left alone:");
            for (RelocationPlan.Skipped skipped : plan.skipped()) {
                System.out.println("  " + skipped.path() + ": " + skipped.why());
            }
        }
        if (!plan.problems().isEmpty()) {
            System.out.println("What keeps apply from running (fix it, then analyze again):");
            for (String problem : plan.problems()) {
                System.out.println("  " + problem);
            }
        }
    }

    private static String detailed(PlanStep step) {
        if (step instanceof PlanStep.MakeDirectory mkdir) {
            return brief(step) + String.format(" (%04o %d:%d): %s", mkdir.mode(), mkdir.uid(), mkdir.gid(), mkdir.reason());
        } else if (step instanceof PlanStep.Relink) {
            return brief(step) + ": a relative link that would leave its moved tree";
        } else if (step instanceof PlanStep.Move move) {
            return brief(step) + " (" + move.type() + ", " + move.entries() + (move.entries() == 1 ? " entry, " : " entries, ")
                    + Sizes.bytes(move.bytes()) + "): " + move.reason();
        }
        return brief(step) + ": " + ((PlanStep.Link) step).reason();
    }

    private static String json(MasterTree tree, MasterPreparation.Status status, RelocationPlan plan) throws PreparationException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode out = mapper.createObjectNode();
        out.put("root", tree.toString());
        out.put("profile", plan.profile().name());
        out.put("state", status.state().name().toLowerCase(java.util.Locale.ROOT));
        out.put("steps_done", status.stepsDone());
        out.put("journal", CloneLayout.PREPARATION_JOURNAL);
        ArrayNode postMount = out.putArray("post_mount");
        plan.profile().postMountFiles().forEach(postMount::add);
        ArrayNode steps = out.putArray("steps");
        for (PlanStep step : plan.steps()) {
            ObjectNode node = steps.addObject();
            node.put("path", step.path());
            if (step instanceof PlanStep.MakeDirectory mkdir) {
                node.put("kind", "mkdir").put("mode", String.format("%04o", mkdir.mode())).put("uid", mkdir.uid())
                        .put("gid", mkdir.gid()).put("why", mkdir.reason());
            } else if (step instanceof PlanStep.Relink relink) {
                node.put("kind", "relink").put("from", relink.oldTarget()).put("to", relink.newTarget());
            } else if (step instanceof PlanStep.Move move) {
                node.put("kind", "move").put("stage", move.stage().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'))
                        .put("destination", move.destination()).put("link", move.linkTarget()).put("type", move.type())
                        .put("entries", move.entries()).put("bytes", move.bytes()).put("why", move.reason());
            } else if (step instanceof PlanStep.Link link) {
                node.put("kind", "link").put("target", link.target()).put("why", link.reason());
            }
        }
        ArrayNode skipped = out.putArray("skipped");
        plan.skipped().forEach(s -> skipped.addObject().put("path", s.path()).put("why", s.why()));
        ArrayNode problems = out.putArray("problems");
        plan.problems().forEach(problems::add);
        ArrayNode rules = out.putArray("rules");
        RuntimeWritablePaths.RULES.forEach(r -> rules.addObject().put("pattern", r.pattern()).put("ro_root_only", r.rootOnly())
                .put("why", r.why()));
        try {
            return mapper.writeValueAsString(out);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write the analysis as JSON", e);
        }
    }
}
