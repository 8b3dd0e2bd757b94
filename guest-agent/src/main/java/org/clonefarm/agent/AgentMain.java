package org.clonefarm.agent;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Entry point of the agent's own jar ({@code clonefarm-agent.jar}), for guests that carry neither
 * the coordinator nor the workers: {@code java -jar clonefarm-agent.jar finalize|report-ready|initrd|deliver
 * [options]}. The same commands as {@code clonefarm agent}, parsed without picocli to keep the jar
 * small. Exit codes: 0 done, 1 a step failed, 2 bad usage.
 */
public final class AgentMain {
    static final String USAGE = String.join("\n",
            "usage: java -jar clonefarm-agent.jar COMMAND [options]",
            "commands:",
            "  finalize       first boot: identify, read the NAMES entry, configure Linux, remove the marker, reboot",
            "  report-ready   after the reboot: report READY (once per clone)",
            "  initrd         RO root, from linuxrc at every boot (needs --var)",
            "  deliver        send the events still in the spool",
            "  keys           list the keys of the agent properties file and the NAMES tags the agent reads",
            "options:",
            "  --root DIR         the guest root (default /)",
            "  --config FILE      agent properties (default <root>" + AgentConfig.DEFAULT_PATH + ", optional)",
            "  --kafka-config FILE  a Kafka client properties file (TLS, SASL): bootstrap.servers and kafka.* keys",
            "  --userid U         this guest's userid instead of asking CP",
            "  --names LOCATION   the 191 disk or NAMES file (overrides config.disk)",
            "  --var DIR          initrd: where the clone's /var is mounted",
            "  --set KEY=VALUE    override one key of the agent properties (repeatable)",
            "  --spool-only       keep the events in the spool, do not try to send them (before the network is up)",
            "  --ready-after-network  initrd: leave READY to report-ready after network-online (a real boot)",
            "  --dry-run          finalize: print the settings as one JSON line and write nothing",
            "");

    private AgentMain() {
    }

    public static void main(String[] args) {
        // the jar's binding (slf4j-simple): the agent's own lines, and only warnings from the Kafka client
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.setProperty("org.slf4j.simpleLogger.log.org.clonefarm",
                System.getProperty("org.slf4j.simpleLogger.log.org.clonefarm", "info"));
        System.exit(run(System.out, System.err, args));
    }

    /** Runs a command line and returns the exit code; never exits. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        if (args.length == 0 || List.of("-h", "--help", "help").contains(args[0])) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String command = args[0];
        Path root = null;
        Path config = null;
        Path kafkaConfig = null;
        Path var = null;
        String userid = null;
        String names = null;
        boolean dryRun = false;
        boolean readyAfterNetwork = false;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--dry-run")) {
                dryRun = true;
                continue;
            }
            if (option.equals("--ready-after-network")) {
                readyAfterNetwork = true;
                continue;
            }
            if (option.equals("--spool-only")) {
                overrides.put(AgentConfig.BOOTSTRAP_SERVERS, "");
                continue;
            }
            if (i + 1 >= args.length) {
                err.println("clonefarm-agent: " + option + " needs a value (or is unknown); see --help");
                return 2;
            }
            String value = args[++i];
            switch (option) {
                case "--root" -> root = Path.of(value);
                case "--config" -> config = Path.of(value);
                case "--kafka-config" -> kafkaConfig = Path.of(value);
                case "--var" -> var = Path.of(value);
                case "--userid" -> userid = value;
                case "--names" -> names = value;
                case "--set" -> {
                    int eq = value.indexOf('=');
                    if (eq <= 0) {
                        err.println("clonefarm-agent: --set " + value + " is not KEY=VALUE");
                        return 2;
                    }
                    overrides.put(value.substring(0, eq), value.substring(eq + 1));
                }
                default -> {
                    err.println("clonefarm-agent: unknown option " + option + "; see --help");
                    return 2;
                }
            }
        }
        AgentOptions options = new AgentOptions(root, config, kafkaConfig, userid, names, var, overrides);
        try {
            switch (command) {
                case "finalize" -> {
                    GuestAgent agent = options.agent();
                    if (dryRun) {
                        out.println(agent.plan().toJson());
                    } else {
                        GuestAgent.Result result = agent.finalizeClone();
                        out.println("finalize: " + result.status() + ", " + result.files().size() + " files, "
                                + result.delivered() + " events delivered, " + result.pending() + " spooled");
                    }
                }
                case "report-ready" -> out.println(options.agent().reportReady()
                        ? "report-ready: READY recorded" : "report-ready: READY was recorded before");
                case "initrd" -> {
                    if (var == null) {
                        err.println("clonefarm-agent: initrd needs --var DIR, where the clone's /var is mounted");
                        return 2;
                    }
                    GuestAgent.Result result = options.agent().initrd(readyAfterNetwork
                            ? GuestAgent.InitrdReady.AFTER_THE_NETWORK : GuestAgent.InitrdReady.FROM_THE_INITRD);
                    out.println("initrd: " + result.files().size() + " files, " + result.pending() + " events spooled");
                }
                case "deliver" -> {
                    GuestAgent.Delivery delivery = options.agent().deliver();
                    out.println("deliver: " + delivery.delivered() + " delivered, " + delivery.pending() + " left");
                    return delivery.pending() == 0 ? 0 : 1;
                }
                case "keys" -> {
                    out.print(NamesTag.describeKeysAndTags());
                    out.flush();
                }
                default -> {
                    err.println("clonefarm-agent: unknown command " + command + "; see --help");
                    return 2;
                }
            }
            return 0;
        } catch (AgentException e) {
            err.println("clonefarm-agent: " + e.step().wireName() + " failed: " + e.getMessage());
            return 1;
        }
    }
}
