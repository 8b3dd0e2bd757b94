package org.clonefarm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.clonefarm.agent.AgentConfig;
import org.clonefarm.agent.AgentException;
import org.clonefarm.agent.AgentOptions;
import org.clonefarm.agent.AgentUnits;
import org.clonefarm.agent.GuestAgent;
import org.clonefarm.agent.NamesTag;
import org.clonefarm.platform.layout.CloneLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code clonefarm agent ...}: the guest agent that finalizes every clone (module guest-agent). The
 * same commands ship in the agent's own small jar ({@code clonefarm-agent.jar}) for guests; this
 * group is for the local runtime, tests and anyone with the full jar.
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {
            "The guest agent: finalize a clone on its first boot (identify, read its NAMES entry, configure",
            "Linux, remove the finalize marker, reboot), report READY, or run from a RO root's initrd.",
            "Every step is an event, spooled on the guest's disk and sent to <prefix>events on Kafka."
        },
        subcommands = {
            AgentCommand.Finalize.class,
            AgentCommand.ReportReady.class,
            AgentCommand.Initrd.class,
            AgentCommand.Deliver.class,
            AgentCommand.Keys.class,
            AgentCommand.InstallUnits.class,
        })
public final class AgentCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The options every agent command takes (a picocli mixin). */
    static final class GuestOptions {
        @Option(names = "--root", paramLabel = "DIR", defaultValue = "/",
                description = "The guest's root directory: / in a guest, a mounted clone elsewhere (default: ${DEFAULT-VALUE}).")
        Path root;

        @Option(names = "--config", paramLabel = "FILE",
                description = "The agent properties file (default: <root>" + AgentConfig.DEFAULT_PATH
                        + ", all defaults when it is absent). List its keys with 'clonefarm agent keys'.")
        Path config;

        @Option(names = "--kafka-config", paramLabel = "FILE",
                description = "A Kafka client properties file (TLS, SASL; such as guest.properties of 'clonefarm kafka start"
                        + " --security sasl-ssl'): its bootstrap.servers and its other keys as kafka.* keys, over the agent"
                        + " properties file's; --set wins over it.")
        Path kafkaConfig;

        @Option(names = "--userid", paramLabel = "USERID",
                description = "This guest's z/VM userid, instead of asking CP (Q USERID through vmcp).")
        String userid;

        @Option(names = "--names", paramLabel = "LOCATION",
                description = "Where the 191 disk or NAMES file is: a device, a file, or PATH:OFFSET[:LENGTH] of a volume image (overrides config.disk).")
        String names;

        @Option(names = "--set", paramLabel = "KEY=VALUE",
                description = "Override one key of the agent properties file; repeatable.")
        Map<String, String> overrides = new LinkedHashMap<>();

        @Option(names = "--spool-only",
                description = "Keep the events in the spool and do not try to send them (before the network is up).")
        boolean spoolOnly;

        AgentOptions options(Path varRoot) {
            Map<String, String> all = new LinkedHashMap<>(overrides);
            if (spoolOnly) {
                all.put(AgentConfig.BOOTSTRAP_SERVERS, "");
            }
            return new AgentOptions(root, config, kafkaConfig, userid, names, varRoot, all);
        }
    }

    /** An agent step failed: one sentence naming the step, exit 1. */
    static UserError failed(AgentException e) {
        return new UserError(e.step().wireName() + " failed: " + e.getMessage()
                + (e.retryable() ? " (retryable: running the agent again may succeed)" : ""), e);
    }

    @Command(name = "finalize", mixinStandardHelpOptions = true,
            description = {
                "First boot of a RW-root clone, while the finalize marker exists: identify, read the NAMES entry",
                "(DEFAULTS merged under it), write hostname, hosts, DNS and the network files of the distribution",
                "in <root>/etc/os-release all or nothing, reset machine-id and SSH host keys, remove the marker,",
                "run the reboot command. Without the marker it changes nothing."
            })
    static final class Finalize implements Callable<Integer> {
        @Mixin
        GuestOptions guest;

        @Option(names = "--dry-run",
                description = "Print the settings it would apply as one JSON object on the last line (tag names as keys, plus the distribution) and write nothing.")
        boolean dryRun;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try {
                GuestAgent agent = guest.options(null).agent();
                if (dryRun) {
                    GuestAgent.Plan plan = agent.plan();
                    plan.files().forEach(f -> spec.commandLine().getOut().println("would " + (f.startsWith("-")
                            ? "delete " + f.substring(1) : "write " + f)));
                    spec.commandLine().getOut().println(plan.toJson());
                } else {
                    GuestAgent.Result result = agent.finalizeClone();
                    spec.commandLine().getOut().println(result.status() == GuestAgent.Status.NOTHING_TO_DO
                            ? "finalize: the marker is absent, this clone was finalized before; nothing changed"
                            : "finalize: wrote " + result.files().size() + " files, " + result.delivered()
                                    + " events delivered, " + result.pending() + " left in the spool; reboot requested");
                }
                return 0;
            } catch (AgentException e) {
                throw failed(e);
            }
        }
    }

    @Command(name = "report-ready", mixinStandardHelpOptions = true,
            description = "After the finalize reboot: report READY (once per clone) and deliver the spooled events.")
    static final class ReportReady implements Callable<Integer> {
        @Mixin
        GuestOptions guest;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try {
                boolean recorded = guest.options(null).agent().reportReady();
                spec.commandLine().getOut().println(recorded ? "report-ready: READY recorded"
                        : "report-ready: READY was recorded before; delivered what was left");
                return 0;
            } catch (AgentException e) {
                throw failed(e);
            }
        }
    }

    @Command(name = "initrd", mixinStandardHelpOptions = true,
            description = {
                "RO root, from linuxrc at every boot: write the /etc files into the initrd's /etc (--root) and the",
                "post-mount ones (initrd.post.mount) under <var>/local/etc; READY on the first boot only."
            })
    static final class Initrd implements Callable<Integer> {
        @Mixin
        GuestOptions guest;

        @Option(names = "--var", paramLabel = "DIR", required = true,
                description = "Where the clone's own /var disk is mounted (the spool and /var/local/etc live there).")
        Path var;

        @Option(names = "--ready-after-network",
                description = "Leave READY to report-ready after network-online (a real boot: no network in the initrd).")
        boolean readyAfterNetwork;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try {
                GuestAgent.Result result = guest.options(var).agent().initrd(readyAfterNetwork
                        ? GuestAgent.InitrdReady.AFTER_THE_NETWORK : GuestAgent.InitrdReady.FROM_THE_INITRD);
                spec.commandLine().getOut().println("initrd: wrote " + result.files().size() + " files, "
                        + result.pending() + " events left in the spool");
                return 0;
            } catch (AgentException e) {
                throw failed(e);
            }
        }
    }

    @Command(name = "deliver", mixinStandardHelpOptions = true,
            description = "Send the events still in the spool; exits 1 when some are left (broker unreachable).")
    static final class Deliver implements Callable<Integer> {
        @Mixin
        GuestOptions guest;

        @Option(names = "--var", paramLabel = "DIR",
                description = "RO root: where the clone's /var is mounted (the spool lives there).")
        Path var;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try {
                GuestAgent.Delivery delivery = guest.options(var).agent().deliver();
                spec.commandLine().getOut().println("deliver: " + delivery.delivered() + " delivered, "
                        + delivery.pending() + " left" + (delivery.problem().isEmpty() ? "" : " (" + delivery.problem() + ")"));
                return delivery.pending() == 0 ? 0 : 1;
            } catch (AgentException e) {
                throw failed(e);
            }
        }
    }

    @Command(name = "keys", mixinStandardHelpOptions = true,
            description = "List every key of the agent properties file with its default and meaning, and every tag"
                    + " of a NAMES entry the agent reads.")
    static final class Keys implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            // picocli's writer flushes on println only, and main() exits right after: flush what print wrote
            PrintWriter out = spec.commandLine().getOut();
            out.print(NamesTag.describeKeysAndTags());
            out.flush();
            return 0;
        }
    }

    @Command(name = "install-units", mixinStandardHelpOptions = true,
            description = {
                "Install the agent into a master's root: systemd units (enabled), SysV scripts, a sample",
                "/etc/clonefarm/agent.properties where there is none, and the finalize marker " + CloneLayout.FINALIZE_MARKER + "."
            })
    static final class InstallUnits implements Callable<Integer> {
        @Option(names = "--root", paramLabel = "DIR", required = true, description = "The master's root directory.")
        Path root;

        @Option(names = "--agent-jar", paramLabel = "FILE",
                description = "Also copy this clonefarm-agent.jar to <root>" + CloneLayout.AGENT_JAR + ", where the units run it from.")
        Path agentJar;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try {
                AgentUnits.installInto(root);
                if (agentJar != null) {
                    Path target = CloneLayout.inRoot(root, CloneLayout.AGENT_JAR);
                    java.nio.file.Files.createDirectories(target.getParent());
                    java.nio.file.Files.copy(agentJar, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw new UserError("cannot install the agent units into " + root + ": " + e.getMessage()
                        + ". Check that the directory is the master's root and writable.", e);
            }
            spec.commandLine().getOut().println("install-units: installed into " + root + (agentJar != null ? ""
                    : "; copy clonefarm-agent.jar to " + CloneLayout.inRoot(root, CloneLayout.AGENT_JAR)));
            return 0;
        }
    }
}
