package org.clonefarm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clonefarm.cli.console.Console;
import org.clonefarm.cli.console.Invocation;
import org.clonefarm.cli.simulation.BootableMaster;
import org.clonefarm.cli.simulation.DemoMaster;
import org.clonefarm.cli.simulation.QemuGuestRuntime;
import org.clonefarm.coordinator.commands.BatchCommands;
import org.clonefarm.coordinator.spec.IpAddress;
import org.clonefarm.coordinator.state.BatchSummary;
import org.clonefarm.coordinator.state.CloneStateMachine;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.watch.BatchProgressView;
import org.clonefarm.coordinator.watch.BatchThroughput;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.layout.CloneLayout.Role;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CloneStatus;
import org.clonefarm.worker.disk.DiskAccessKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code clonefarm demo}: the farm on one machine, end to end. Starts what is needed, creates the
 * demo master if absent, submits a batch of N clones (LINUX001, LINUX002, ..., continuing the
 * numbering of earlier batches), shows it live and ends with a summary.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {
            "Clone the demo master on this machine, end to end: start the embedded Kafka broker (unless",
            "--bootstrap-servers is given), the coordinator and workers, create the demo master if absent, submit",
            "a batch of N clones, show it live, and end with a summary. Exit 0 only when every clone is READY.",
            "The data stay in the data directory for inspection ('clonefarm verify BATCH'). The log is in",
            "DATA/logs/clonefarm-demo.log; the terminal shows what starts, the progress, problems and the summary."
        })
public final class DemoCommand implements Callable<Integer> {
    private static final Pattern CLONE_NAME = Pattern.compile("LINUX(\\d{3,})");

    @Option(names = "--clones", paramLabel = "N", defaultValue = "50", description = "Clones in the batch, 1-1000 (default: ${DEFAULT-VALUE}).")
    int clones;

    @Option(names = "--profile", paramLabel = "PROFILE", defaultValue = "rw-root",
            description = "rw-root (clones own root and /var) or ro-root (root linked read-only) (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2", description = "Copy workers in this process, 1-64 (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--json", description = "Print the summary as one JSON object, as the last line.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3600",
            description = "Give up waiting for the batch after this long (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Mixin
    DataDirectoryOption data;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    OrchestrationOptions orchestration;

    @Mixin
    DiskAccessOptions disks;

    @Mixin
    GuestRuntimeOptions guests;

    @Mixin
    ConsoleOptions terminal;

    @Option(names = "--master-data-mib", paramLabel = "N",
            description = "MiB of incompressible data in the root of the demo master this demo creates (as 'master create-demo"
                    + " --master-data-mib'), for a copy-dominated batch; an existing master must hold as much (default: the"
                    + " existing master as it is, or none).")
    Long masterDataMib;

    @Option(names = "--http-port", paramLabel = "N", defaultValue = "0",
            description = "Port of the dashboard while the demo runs, 0 for any free port (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Override
    public Integer call() throws Exception {
        if (clones < 1 || clones > 1000) {
            throw UserError.usage("--clones " + clones + " must be 1-1000.");
        }
        if (!profile.equals("rw-root") && !profile.equals("ro-root")) {
            throw UserError.usage("--profile " + profile + " must be rw-root or ro-root.");
        }
        if (workers < 1 || workers > 64) {
            throw UserError.usage("--workers " + workers + " must be 1-64.");
        }
        if (httpPort < 0 || httpPort > 65535) {
            throw UserError.usage("--http-port " + httpPort + " must be 0-65535.");
        }
        var orchestrationSettings = orchestration.settings();
        GuestRuntimeOptions.Plan guestPlan = guests.plan(orchestration);
        if (masterDataMib != null) {
            MasterCommand.checkDataMib(masterDataMib, guestPlan.kind() == GuestRuntimeOptions.Kind.QEMU);
        }
        Path dataDir = data.writable();
        try (ConsoleOptions.CommandConsole session = terminal.open("clonefarm demo", dataDir, "demo")) {
            return run(dataDir, orchestrationSettings, guestPlan, session.console());
        }
    }

    private int run(Path dataDir, org.clonefarm.coordinator.orchestration.OrchestrationSettings orchestrationSettings,
            GuestRuntimeOptions.Plan guestPlan, Console console) throws Exception {
        SimulationDataDirectory local = SimulationDataDirectory.at(dataDir);
        boolean qemu = guestPlan.kind() == GuestRuntimeOptions.Kind.QEMU;
        java.util.Optional<DemoMaster.Manifest> master = DemoMaster.Manifest.read(local);
        if (master.isEmpty()) {
            console.say("creating the " + (qemu ? "bootable " : "") + "demo master in " + dataDir
                    + (masterDataMib == null || masterDataMib == 0 ? "" : " (" + masterDataMib + " MiB of data in its root)"));
            Path jar = DemoMaster.locateAgentJar(null).orElseThrow(() -> new UserError("the guest agent jar"
                    + " (guest-agent/target/clonefarm-agent.jar) is missing; build it with ./mvnw -q -DskipTests package"));
            try {
                new DemoMaster(local, jar, qemu ? new BootableMaster(BootableMaster.defaultCacheDirectory(), console::say) : null,
                        masterDataMib == null ? 0 : masterDataMib).create(false);
            } catch (DemoMaster.DemoMasterException e) {
                throw new UserError(e.getMessage(), e);
            }
        } else if (qemu && master.get().kind() != DemoMaster.Kind.BOOTABLE) {
            throw new UserError("the demo master in " + dataDir + " is the " + master.get().kind().word() + " one, which cannot"
                    + " boot: --guests qemu needs " + Invocation.command("master create-demo --bootable") + " in another --data");
        } else if (masterDataMib != null && master.get().layout().dataMib() != masterDataMib) {
            throw new UserError("the demo master in " + dataDir + " holds " + master.get().layout().dataMib() + " MiB of data, not "
                    + masterDataMib + " (--master-data-mib); leave the option out to use it, or use another --data");
        }
        if (qemu && profile.equals("ro-root")
                && !QemuGuestRuntime.preparedForRoRoot(DemoMaster.disk(local, Role.ROOT).region(local))) {
            throw new UserError("the bootable master in " + dataDir + " is not prepared for RO root, so its clones cannot boot"
                    + " with the root read-only: run " + Invocation.command("master prepare apply --master-data " + dataDir
                    + " --profile ro-root") + " first");
        }
        int first = nextCloneNumber(local);
        String batch = "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        String spec = spec(batch, first, clones, profile);
        Files.createDirectories(dataDir.resolve("batches"));
        Files.writeString(dataDir.resolve("batches").resolve(batch + ".yaml"), spec);

        var httpSettings = new org.clonefarm.coordinator.http.HttpSettings("127.0.0.1", httpPort,
                org.clonefarm.coordinator.http.ApiToken.ofDataDirectory(dataDir));
        SimulatedFarm.Plan plan = new SimulatedFarm.Plan(dataDir, kafka, 0, Duration.ofSeconds(60), workers, true, httpSettings,
                orchestrationSettings, guestPlan, disks.settings(DiskAccessKind.CP));
        long start = System.nanoTime();
        try (SimulatedFarm farm = SimulatedFarm.start("demo", plan, console)) {
            console.say("coordinator started: dashboard " + farm.coordinator().orElseThrow().url() + " (API token in "
                    + dataDir.resolve("api-token") + ")");
            long submitStart = System.nanoTime();
            BatchCommands.Submitted submitted;
            try {
                submitted = farm.coordinator().orElseThrow().service().commands().submit(spec).get(300, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw SpecFile.unwrap(e, "submitting the demo batch");
            }
            console.say("submitted " + batch + ": " + submitted.clones() + " clones LINUX"
                    + String.format("%03d", first) + "-LINUX" + String.format("%03d", first + clones - 1) + ", "
                    + Sizes.bytes(submitted.bytesToCopy()) + " to copy (spec in " + dataDir.resolve("batches") + ")");
            BatchSummary summary = follow(farm.coordinator().orElseThrow().service().store(), batch, console);
            long end = System.nanoTime();
            double wall = (end - start) / 1e9;
            int ready = summary == null ? 0 : summary.count(CloneState.CLONE_STATE_READY);
            int failed = summary == null ? 0 : summary.count(CloneState.CLONE_STATE_FAILED);
            printSummary(farm.coordinator().orElseThrow().service().store(), batch, summary, wall, dataDir, console);
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("batch", batch);
                out.put("clones", clones);
                out.put("ready", ready);
                out.put("failed", failed);
                out.put("bytes_copied", summary == null ? 0 : summary.bytesDone());
                CopyMethods methods = CopyMethods.of(farm.coordinator().orElseThrow().service().store(), batch);
                out.put("disks_by_method", methods.disks());
                out.put("bytes_written", methods.bytesWritten());
                out.put("wall_s", Math.round(wall * 10) / 10.0);
                out.put("batch_wall_s", Math.round((end - submitStart) / 1e8) / 10.0);
                console.result(new ObjectMapper().writeValueAsString(out));
            }
            return ready == clones ? 0 : 1;
        }
    }

    /** Shows the batch's progress until every clone of it finished or the timeout passed; the last summary. */
    private BatchSummary follow(CloneStateStore store, String batch, Console console) throws InterruptedException {
        BatchThroughput throughput = new BatchThroughput();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true) {
            BatchSummary summary = store.batch(batch);
            if (summary != null) {
                throughput.record(batch, summary.bytesDone(), summary.bytesTotal());
                boolean done = summary.allFinished() && summary.clones() == clones;
                BatchThroughput.Rate rate = throughput.rate(batch);
                if (done) {
                    rate = rate.withoutEta();
                }
                console.progress(BatchProgressView.line(summary, rate), BatchProgressView.summaryLine(summary, rate),
                        BatchProgressView.rate(rate), done);
                if (done) {
                    console.endProgress();
                    return summary;
                }
            }
            if (System.nanoTime() > deadline) {
                console.endProgress();
                console.say("the batch did not finish within " + timeoutSeconds + " s (--timeout)");
                return summary;
            }
            Thread.sleep(250);
        }
    }

    private static void printSummary(CloneStateStore store, String batch, BatchSummary summary, double wall, Path dataDir,
            Console console) {
        if (summary == null) {
            console.result("batch " + batch + " never appeared on the events topic");
            return;
        }
        console.result(String.format(java.util.Locale.ROOT, "batch %s: %d of %d clones READY in %.1f s; %s copied (%s);"
                + " disks copied by %s", batch, summary.count(CloneState.CLONE_STATE_READY), summary.clones(), wall,
                Sizes.bytes(summary.bytesDone()), BatchProgressView.counts(summary).trim(),
                CopyMethods.of(store, batch).describe()));
        List<CloneStatus> statuses = store.clonesOf(batch);
        for (CloneStatus status : statuses) {
            if (status.getState() != CloneState.CLONE_STATE_READY) {
                console.result("  " + status.getUserid() + " " + CloneStateMachine.simpleName(status.getState())
                        + (status.hasLastError() ? " at " + status.getLastError().getStep() + ": "
                        + status.getLastError().getReason() : ""));
            }
        }
        console.result("check it: " + Invocation.command("verify " + batch + " --data " + dataDir));
    }

    /** The number after the highest LINUXnnn in the directory: a later batch continues the numbering. */
    static int nextCloneNumber(SimulationDataDirectory data) throws java.io.IOException {
        int highest = 0;
        for (DirectoryEntry entry : data.readDirectory().entries()) {
            Matcher m = CLONE_NAME.matcher(entry.name().value());
            if (m.matches()) {
                highest = Math.max(highest, Integer.parseInt(m.group(1)));
            }
        }
        return highest + 1;
    }

    /** The demo batch's spec: clones LINUXnnn with addresses 10.1.1.0 + n in the demo master's /16. */
    static String spec(String batch, int first, int count, String profile) {
        int last = first + count - 1;
        int width = Math.max(3, Integer.toString(last).length());
        if (3 + width > 8) {
            throw UserError.usage("the demo numbering has reached LINUX" + last + ", too long for a userid; use a new --data");
        }
        String ip = IpAddress.parse("10.1.1.0").plus(first).toString();
        boolean ro = profile.equals("ro-root");
        return String.join("\n",
                "batch: " + batch,
                "master: " + DemoMaster.MASTER,
                "profile: " + profile,
                "prototype: " + (ro ? DemoMaster.PROTOTYPE_RO : DemoMaster.PROTOTYPE),
                "volumes: " + DemoMaster.GROUP,
                "disks: {" + diskRule(Role.CONFIG, "link") + ", " + diskRule(Role.ROOT, ro ? "link" : "copy") + ", "
                        + diskRule(Role.SWAP, "vdisk " + DemoMaster.SWAP_BLOCKS) + ", " + diskRule(Role.VAR, "copy") + ", "
                        + diskRule(Role.USR, "link") + "}",
                "network: {netmask: 255.255.0.0, gateway: 10.1.0.1, nameservers: [10.1.0.53], domain: " + DemoMaster.DOMAIN + "}",
                "clones:",
                "  - range: LINUX" + String.format("%0" + width + "d", first) + "-LINUX" + String.format("%0" + width + "d", last),
                "    ip: " + ip,
                "");
    }

    /** A spec's disk rule for the master's disk of this role, at its conventional vaddr. */
    private static String diskRule(Role role, String rule) {
        return "\"" + role.vaddr() + "\": " + rule;
    }

    /** How a batch's disks were copied, from the {@code DiskCopied} facts of each clone's current attempt. */
    record CopyMethods(Map<String, Integer> disks, long bytesWritten) {
        static CopyMethods of(CloneStateStore store, String batch) {
            Map<String, Integer> disks = new java.util.TreeMap<>();
            long written = 0;
            for (CloneStatus status : store.clonesOf(batch)) {
                for (CloneEvent event : store.history(status.getUserid())) {
                    if (event.getFactCase() == CloneEvent.FactCase.DISK_COPIED && event.getAttempt() == status.getAttempt()) {
                        String method = event.getDiskCopied().getMethod();
                        disks.merge(method.isEmpty() ? "unknown" : method, 1, Integer::sum);
                        written += event.getDiskCopied().getBytesWritten();
                    }
                }
            }
            return new CopyMethods(disks, written);
        }

        String describe() {
            StringBuilder text = new StringBuilder();
            disks.forEach((method, count) -> text.append(text.length() == 0 ? "" : ", ").append(method).append(' ')
                    .append(count));
            return (text.length() == 0 ? "none" : text) + " (" + Sizes.bytes(bytesWritten) + " written)";
        }
    }
}
