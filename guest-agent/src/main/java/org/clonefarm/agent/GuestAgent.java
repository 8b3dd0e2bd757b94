package org.clonefarm.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.clonefarm.agent.internal.AgentState;
import org.clonefarm.agent.internal.ConfigurationPlanner;
import org.clonefarm.agent.internal.EventRecorder;
import org.clonefarm.agent.internal.EventSpool;
import org.clonefarm.agent.internal.FileChange;
import org.clonefarm.agent.internal.FileTransaction;
import org.clonefarm.agent.internal.GuestPaths;
import org.clonefarm.agent.internal.KernelInterfaces;
import org.clonefarm.agent.internal.ProcessRunner;
import org.clonefarm.agent.internal.SpoolDelivery;
import org.clonefarm.messaging.CloneKey;
import org.clonefarm.platform.cp.VmcpCp;
import org.clonefarm.platform.ids.BatchName;
import org.clonefarm.platform.io.DurableFiles;
import org.clonefarm.proto.AgentStarted;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.ConfigRead;
import org.clonefarm.proto.Configured;
import org.clonefarm.proto.FinalizeMarkerRemoved;
import org.clonefarm.proto.Identified;
import org.clonefarm.proto.Ready;
import org.clonefarm.proto.Rebooting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guest agent: the paper's {@code /etc/rc.finalize}, with every step an event.
 *
 * <ul>
 *   <li>{@link #finalizeClone()} (first boot, RW root): identify, read the NAMES entry, configure
 *       Linux under the root all or nothing, remove the finalize marker, ask for the reboot.</li>
 *   <li>{@link #reportReady()} (after that reboot): READY, once per clone, with the addresses the
 *       kernel has on the configured interface (read, never copied from NAMES).</li>
 *   <li>{@link #initrd()} (RO root, every boot, from linuxrc): identify, read, write the /etc files
 *       into the initrd and the post-mount ones under /var/local/etc; READY on the first boot only.</li>
 *   <li>{@link #plan()}: what finalize would apply, writing nothing (dry run).</li>
 *   <li>{@link #deliver()}: send what the spool still holds.</li>
 * </ul>
 *
 * <p>Events go to the spool (forced to disk) before the run goes on, and are sent from there at the
 * end of every run with their original ids to the guest-events topic, each signed with the clone's key
 * ({@code clone.key.file}, which the worker wrote into the clone's /var; the events carry its batch and
 * attempt); what the broker does not take stays for the next run.
 * A failed step leaves an {@code AgentFailed} event naming the step and reason, the marker in place
 * and the old files, and is thrown as {@link AgentException}.
 *
 * <p>Not thread-safe; one run of one mode per process (the spool lock refuses a second run).
 */
public final class GuestAgent {
    private static final Logger LOG = LoggerFactory.getLogger(GuestAgent.class);
    /** The agent version in {@code AgentStarted} events. */
    public static final String VERSION = Optional.ofNullable(GuestAgent.class.getPackage().getImplementationVersion())
            .orElse("dev");

    private final AgentConfig config;
    private final Path root;
    private final Path initrdVarRoot;
    private final Identity identity;
    private final CloneConfigSource configSource;
    private final List<String> rebootCommand;

    private GuestAgent(Builder builder) {
        this.config = builder.config;
        this.root = builder.root.toAbsolutePath().normalize();
        this.initrdVarRoot = builder.initrdVarRoot;
        this.identity = builder.identity;
        this.configSource = builder.configSource;
        this.rebootCommand = config.command(AgentConfig.REBOOT_COMMAND);
    }

    public static Builder builder(AgentConfig config) {
        return new Builder(config);
    }

    /** How a finalize run ended. */
    public enum Status {
        /** Configured, marker removed, reboot requested. */
        FINALIZED,
        /** The marker is absent: this clone was finalized before; nothing was changed. */
        NOTHING_TO_DO
    }

    /**
     * What a run did and how much of the spool is delivered.
     *
     * @param plan what was applied; null when the status is {@link Status#NOTHING_TO_DO}
     * @param files guest paths changed (written or removed), as reported in {@code Configured}
     */
    public record Result(Status status, Plan plan, List<String> files, int delivered, int pending) {
    }

    /** What finalize applies: the validated settings, the distribution and the file changes. */
    public record Plan(GuestSettings settings, Distribution distribution, List<String> files) {
        /** One JSON object: the tag names as keys (normalized values), plus userid, distribution and network. */
        public String toJson() {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("userid", settings.userid());
            fields.putAll(settings.effectiveTags());
            fields.put("distribution", distribution.family());
            fields.put("network", distribution.network().label());
            StringBuilder json = new StringBuilder("{");
            fields.forEach((k, v) -> {
                if (json.length() > 1) {
                    json.append(',');
                }
                json.append(quote(k)).append(':').append(quote(v));
            });
            return json.append('}').toString();
        }
    }

    /**
     * The dry run: identify, read and validate the entry, detect the distribution, work out the
     * files. Writes nothing, records no event.
     *
     * @throws AgentException naming the userid or the value that is wrong
     */
    public Plan plan() {
        WhoAmI who = identity().whoAmI();
        return prepare(who, GuestPaths.of(root)).plan();
    }

    /**
     * The first-boot finalize of a RW-root clone. Harmless to run again: without the marker it
     * changes nothing; with it, it writes the same files again.
     *
     * @throws AgentException when a step failed (an {@code AgentFailed} event is spooled; the marker
     *     and the old files stay)
     */
    public Result finalizeClone() {
        GuestPaths paths = GuestPaths.of(root);
        String markerGuestPath = config.get(AgentConfig.MARKER_PATH);
        Path marker = paths.resolve(markerGuestPath);
        return withSpool(paths, spool -> {
            if (!Files.exists(marker, LinkOption.NOFOLLOW_LINKS)) {
                LOG.info("finalize marker {} is absent: this clone is finalized already", marker);
                SpoolDelivery.Outcome outcome = deliver(spool, "agent");
                return new Result(Status.NOTHING_TO_DO, null, List.of(), outcome.delivered(), outcome.pending());
            }
            EventRecorder events = new EventRecorder(spool);
            return reporting(spool, events, () -> {
                WhoAmI who = identity().whoAmI();
                aboutClone(events, who.userid(), "", 0); // a failure to read NAMES is signed too
                Prepared prepared = prepare(who, paths);
                Plan plan = prepared.plan();
                GuestSettings s = plan.settings();
                aboutClone(events, who.userid(), s.batchId(), s.attempt());
                recordStart(events, "finalize", 1, who, s);
                List<String> files = apply(paths, prepared);
                events.record(events.event().setConfigured(Configured.newBuilder()
                        .setDistribution(plan.distribution().family()).addAllFiles(files)));
                removeMarker(marker);
                events.record(events.event().setFinalizeMarkerRemoved(
                        FinalizeMarkerRemoved.newBuilder().setPath(markerGuestPath)));
                storeState(spool, AgentState.of(1, who.userid(), events.batchId(), events.attempt())
                        .withInterface(s.interfaceName(), s.macAddress()));
                events.record(events.event().setRebooting(Rebooting.getDefaultInstance()));
                SpoolDelivery.Outcome outcome = deliver(spool, events.producerId());
                reboot();
                return new Result(Status.FINALIZED, plan, files, outcome.delivered(), outcome.pending());
            });
        });
    }

    /**
     * After the reboot: reports READY once per clone (later runs only deliver what is left).
     *
     * @return true when this run recorded READY, false when it was recorded before
     */
    public boolean reportReady() {
        GuestPaths paths = GuestPaths.of(root);
        return withSpool(paths, spool -> {
            if (readyRecorded(spool)) {
                deliver(spool, "agent");
                return false;
            }
            EventRecorder events = new EventRecorder(spool);
            return reporting(spool, events, () -> {
                AgentState state = loadState(spool);
                String userid = state.userid() == null ? identity().whoAmI().userid() : state.userid().value();
                aboutClone(events, userid, state.batchId(), state.attempt());
                int boot = state.boots() + 1;
                events.record(events.event().setAgentStarted(AgentStarted.newBuilder().setMode("report-ready")
                        .setBoot(boot).setAgentVersion(VERSION)));
                events.record(events.event().setReady(configuredAddresses(state).setBoot(boot)));
                storeState(spool, AgentState.of(boot, userid, events.batchId(), events.attempt())
                        .withInterface(state.interfaceName(), state.macAddress()));
                deliver(spool, events.producerId());
                return true;
            });
        });
    }

    /** Where a RO-root clone's READY comes from. */
    public enum InitrdReady {
        /** The initrd run records READY on the first boot (the local runtime, which runs nothing after it). */
        FROM_THE_INITRD,
        /**
         * READY is left to {@code report-ready}, which runs after network-online in the same boot and so
         * names the addresses the kernel has (a real boot: the network is not up in the initrd).
         */
        AFTER_THE_NETWORK
    }

    /** RO root, READY {@link InitrdReady#FROM_THE_INITRD from the initrd}: see {@link #initrd(InitrdReady)}. */
    public Result initrd() {
        return initrd(InitrdReady.FROM_THE_INITRD);
    }

    /**
     * RO root, from linuxrc at every boot: writes the /etc files into the initrd root and the
     * post-mount ones under {@code <var>/local/etc}; READY on the first boot only (recorded here or, with
     * {@link InitrdReady#AFTER_THE_NETWORK}, by {@link #reportReady()} later in the same boot: this run
     * then stores one boot less, so report-ready counts this boot as the one it reports). The identity
     * resets (machine-id, SSH host keys) happen on the first boot only too: the initrd is the
     * master's again at every boot, so keys kept across boots must live in a post-mount path.
     * The finalize marker in the initrd's /etc (the master's, copied at every boot) is removed, so
     * the RW-root finalize unit does not run on a RO-root clone and report-ready does; no event says so,
     * as the clone's own disks keep no marker.
     *
     * @throws AgentException when a step failed (an {@code AgentFailed} event is spooled)
     */
    public Result initrd(InitrdReady readyFrom) {
        if (initrdVarRoot == null) {
            throw new IllegalStateException("initrd mode needs the clone's /var: set Builder.initrdVarRoot");
        }
        GuestPaths paths = GuestPaths.initrd(root, initrdVarRoot, java.util.Set.copyOf(config.postMountFiles()));
        return withSpool(paths, spool -> {
            EventRecorder events = new EventRecorder(spool);
            return reporting(spool, events, () -> {
                AgentState state = loadState(spool);
                int boot = state.boots() + 1;
                boolean firstBoot = !readyRecorded(spool);
                WhoAmI who = identity().whoAmI();
                aboutClone(events, who.userid(), "", 0); // a failure to read NAMES is signed too
                Prepared prepared = prepare(who, paths, firstBoot);
                Plan plan = prepared.plan();
                GuestSettings s = plan.settings();
                aboutClone(events, who.userid(), s.batchId(), s.attempt());
                recordStart(events, "initrd", boot, who, s);
                List<String> files = apply(paths, prepared);
                events.record(events.event().setConfigured(Configured.newBuilder()
                        .setDistribution(plan.distribution().family()).addAllFiles(files)));
                Path marker = paths.resolve(config.get(AgentConfig.MARKER_PATH));
                if (Files.exists(marker, LinkOption.NOFOLLOW_LINKS)) {
                    removeMarker(marker);
                }
                boolean readyLater = firstBoot && readyFrom == InitrdReady.AFTER_THE_NETWORK;
                storeState(spool, AgentState.of(readyLater ? boot - 1 : boot, who.userid(), events.batchId(),
                        events.attempt()).withInterface(s.interfaceName(), s.macAddress()));
                if (firstBoot && !readyLater) {
                    events.record(events.event().setReady(Ready.newBuilder().setBoot(boot)
                            .setInterfaceName(s.interfaceName()).setConfiguredNote("READY from the initrd, before the"
                                    + " network is up: the interface's addresses are not read")));
                }
                SpoolDelivery.Outcome outcome = deliver(spool, events.producerId());
                return new Result(Status.FINALIZED, plan, files, outcome.delivered(), outcome.pending());
            });
        });
    }

    /** Work on the open spool; may fail with the spool's I/O. */
    @FunctionalInterface
    private interface SpoolWork<T> {
        T run(EventSpool spool) throws IOException;
    }

    /** A reported step's work. */
    @FunctionalInterface
    private interface ReportedWork<T> {
        T run() throws IOException;
    }

    /** Runs {@code work} with the spool open; a spool that cannot be closed is a failure of the SPOOL step. */
    private <T> T withSpool(GuestPaths paths, SpoolWork<T> work) {
        try (EventSpool spool = openSpool(paths)) {
            return work.run(spool);
        } catch (IOException e) {
            throw new AgentException(AgentStep.SPOOL, "cannot close the event spool: " + e.getMessage(), true, e);
        }
    }

    /**
     * Runs the steps of a run: a step that fails is spooled as an AgentFailed event, delivered if the
     * broker can be reached, and the failure goes on to the caller.
     */
    private <T> T reporting(EventSpool spool, EventRecorder events, ReportedWork<T> work) throws IOException {
        try {
            return work.run();
        } catch (AgentException e) {
            events.recordFailure(e);
            deliverQuietly(spool, events.producerId(), e);
            throw e;
        }
    }

    /** How much of the spool one delivery sent, how much is left, and why (empty when all went). */
    public record Delivery(int delivered, int pending, String problem) {
    }

    /** Sends what the spool still holds; returns how many were delivered and how many are left. */
    public Delivery deliver() {
        return withSpool(spoolPaths(), spool -> {
            SpoolDelivery.Outcome outcome = deliver(spool, "agent");
            return new Delivery(outcome.delivered(), outcome.pending(), outcome.problem());
        });
    }

    /** Every event the spool holds, delivered or not, in order (for tests and {@code agent spool}). */
    public List<CloneEvent> spooledEvents() {
        try (EventSpool spool = openSpool(spoolPaths())) {
            List<CloneEvent> events = new ArrayList<>();
            for (EventSpool.Spooled spooled : spool.all()) {
                events.add(spooled.event());
            }
            return events;
        } catch (IOException e) {
            throw new AgentException(AgentStep.SPOOL, "cannot read the event spool: " + e.getMessage(), true, e);
        }
    }

    // ---- steps

    private Identity identity() {
        if (identity != null) {
            return identity;
        }
        String fixed = config.get(AgentConfig.IDENTITY_USERID);
        return fixed.isEmpty() ? Identity.ofCp(new VmcpCp(config.get(AgentConfig.IDENTITY_VMCP), System.getenv(),
                config.commandTimeout())) : Identity.fixed(fixed);
    }

    private Prepared prepare(WhoAmI who, GuestPaths paths) {
        return prepare(who, paths, true);
    }

    private Prepared prepare(WhoAmI who, GuestPaths paths, boolean resetIdentity) {
        CloneConfigSource source = configSource();
        Map<String, String> own = source.entry(who.userid()).orElseThrow(() -> new AgentException(AgentStep.READ_CONFIG,
                source.describe() + " has no entry for " + who.userid() + " (no :nick." + who.userid() + ". entry)",
                false));
        GuestSettings settings = interfaceByMac(GuestSettings.from(who.userid(), own,
                source.entry(CloneConfigSource.DEFAULTS_NICK), config.get(AgentConfig.INTERFACE_DEFAULT)));
        Distribution distribution = Distribution.detect(root);
        List<FileChange> changes = ConfigurationPlanner.plan(settings, distribution, paths, resetIdentity);
        List<String> files = new ArrayList<>();
        for (FileChange change : changes) {
            files.add((change.isDelete() ? "-" : "") + paths.reported(change.guestPath()));
        }
        return new Prepared(new Plan(settings, distribution, files), changes);
    }

    /**
     * The settings with the interface that has {@code :macaddr.} when the entry names none: found in the
     * running system's {@code <root>/sys/class/net}, waiting up to {@code device.wait.ms}. A root without
     * sysfs is a tree on disk, not a running guest (the local loop-mount simulation): there is no
     * interface to find, so {@code interface.default} stays, and the log says so.
     */
    private GuestSettings interfaceByMac(GuestSettings settings) {
        if (settings.interfaceGiven() || settings.macAddress().isEmpty()) {
            return settings;
        }
        KernelInterfaces interfaces = KernelInterfaces.at(root);
        if (!interfaces.live()) {
            LOG.warn("{} does not exist (the agent runs outside the guest): the interface with :macaddr. {} cannot be"
                    + " looked up; configuring {} (interface.default)", interfaces.classNet(), settings.macAddress(),
                    settings.interfaceName());
            return settings;
        }
        String name = interfaces.nameOf(settings.macAddress(), config.deviceWait());
        LOG.info("the interface with :macaddr. {} is {}", settings.macAddress(), name);
        return settings.withInterfaceName(name);
    }

    /**
     * READY's account of the interface: its name now (found again by MAC when finalize had one: a rename
     * since is followed) and the addresses the kernel has on it, or a note saying why there are none.
     */
    private Ready.Builder configuredAddresses(AgentState state) {
        Ready.Builder ready = Ready.newBuilder();
        KernelInterfaces interfaces = KernelInterfaces.at(root);
        if (!interfaces.live()) {
            return ready.setInterfaceName(state.interfaceName()).setConfiguredNote(interfaces.classNet()
                    + " does not exist: the agent runs outside the guest, so the interface's addresses are not read");
        }
        String name = state.interfaceName();
        if (!state.macAddress().isEmpty()) {
            try {
                name = interfaces.nameOf(state.macAddress(), config.deviceWait());
            } catch (AgentException e) {
                return ready.setInterfaceName(name).setConfiguredNote(e.getMessage());
            }
        }
        if (name.isEmpty()) {
            return ready.setConfiguredNote("the agent's state names no interface (finalized by an older agent)");
        }
        ready.setInterfaceName(name);
        try {
            Optional<List<String>> addresses = KernelInterfaces.configuredAddresses(name);
            long deadline = System.nanoTime() + config.deviceWait().toNanos();
            // where no wait-online service holds network-online back, the address may still be coming
            while (addresses.map(List::isEmpty).orElse(true) && System.nanoTime() - deadline < 0) {
                Thread.sleep(100);
                addresses = KernelInterfaces.configuredAddresses(name);
            }
            if (addresses.isEmpty()) {
                return ready.setConfiguredNote("the kernel has no interface " + name);
            }
            if (addresses.get().isEmpty()) {
                return ready.setConfiguredNote("the interface " + name + " has no address (other than link-local)");
            }
            return ready.addAllConfiguredAddresses(addresses.get());
        } catch (IOException e) {
            return ready.setConfiguredNote(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ready.setConfiguredNote("interrupted while waiting for an address on " + name);
        }
    }

    /** A plan with the file changes that carry it out. */
    private record Prepared(Plan plan, List<FileChange> changes) {
    }

    private CloneConfigSource configSource() {
        if (configSource != null) {
            return configSource;
        }
        return CloneConfigSources.open(configDisk(), config.get(AgentConfig.NAMES_FILE));
    }

    /**
     * The location of the 191 disk: the first of {@code config.disk} that exists. A location that is
     * no absolute path (a provider's own scheme) is taken as it is. When none exists yet, the CCW device
     * {@code config.disk.bus.id} is set online with chccwdev where the system has it (z/VM), and the
     * locations are polled up to {@code device.wait.ms} (udev makes the by-path and by-id links
     * asynchronously; a root without sysfs, a tree on disk, waits for nothing).
     *
     * @throws AgentException (read-config, retryable) naming every location tried
     */
    private String configDisk() {
        List<String> locations = config.configDisks();
        Optional<String> found = firstExisting(locations);
        if (found.isPresent()) {
            return found.get();
        }
        String busId = config.get(AgentConfig.CONFIG_DISK_BUS_ID);
        if (!busId.isEmpty() && Files.isDirectory(root.resolve("sys/bus/ccw/devices").resolve(busId))) {
            bringOnline(busId);
        }
        // only a running system has udev still adding links; a tree on disk (the local simulation) waits for nothing
        Duration wait = KernelInterfaces.at(root).live() ? config.deviceWait() : Duration.ZERO;
        long deadline = System.nanoTime() + wait.toNanos();
        while (found.isEmpty() && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AgentException(AgentStep.READ_CONFIG, "interrupted while waiting for the 191 disk", true, e);
            }
            found = firstExisting(locations);
        }
        return found.orElseThrow(() -> new AgentException(AgentStep.READ_CONFIG, "the 191 disk does not exist at "
                + String.join(" nor at ", locations) + " (waited " + wait.toMillis() + " ms; is it linked and online?)",
                true));
    }

    /** The first location whose file exists, or that is no absolute path (served by its provider as it is). */
    private static Optional<String> firstExisting(List<String> locations) {
        for (String location : locations) {
            Path path;
            try {
                path = org.clonefarm.platform.io.FileRegion.parse(location).path();
            } catch (IllegalArgumentException e) {
                return Optional.of(location); // the provider says what is wrong with it
            }
            if (!path.isAbsolute() || Files.exists(path)) {
                return Optional.of(location);
            }
        }
        return Optional.empty();
    }

    private void bringOnline(String busId) {
        List<String> command = List.of("chccwdev", "-e", busId);
        try {
            ProcessRunner.Result result = ProcessRunner.run(command, config.commandTimeout());
            if (result.exitCode() != 0) {
                throw new AgentException(AgentStep.READ_CONFIG, "chccwdev -e " + busId + " exited with "
                        + result.exitCode() + ": " + result.firstMessageLine(), true);
            }
        } catch (IOException | TimeoutException e) {
            throw new AgentException(AgentStep.READ_CONFIG, "cannot bring the 191 disk " + busId + " online with"
                    + " chccwdev: " + e.getMessage(), true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException(AgentStep.READ_CONFIG, "interrupted while bringing " + busId + " online", true, e);
        }
    }

    private void recordStart(EventRecorder events, String mode, int boot, WhoAmI who, GuestSettings s) {
        events.record(events.event().setAgentStarted(AgentStarted.newBuilder().setMode(mode).setBoot(boot)
                .setAgentVersion(VERSION)));
        events.record(events.event().setIdentified(Identified.newBuilder().setUserid(who.userid())
                .setSystem(who.system())));
        events.record(events.event().setConfigRead(ConfigRead.newBuilder().setNamesFile(configSourceName())
                .putAllTags(s.tags())));
    }

    private String configSourceName() {
        return configSource != null ? configSource.describe()
                : config.get(AgentConfig.NAMES_FILE) + " on " + config.get(AgentConfig.CONFIG_DISK);
    }

    private List<String> apply(GuestPaths paths, Prepared prepared) {
        try {
            return new FileTransaction(paths).apply(prepared.changes());
        } catch (IOException e) {
            throw new AgentException(AgentStep.CONFIGURE, "the clone's files under " + root + " were left as they were: "
                    + e.getMessage(), true, e);
        }
    }

    private static void removeMarker(Path marker) {
        try {
            Files.delete(marker);
            DurableFiles.forceDirectory(marker.getParent());
        } catch (IOException e) {
            throw new AgentException(AgentStep.REMOVE_MARKER, "cannot remove the finalize marker " + marker + ": " + e,
                    true, e);
        }
    }

    private void reboot() {
        String shown = String.join(" ", rebootCommand);
        try {
            ProcessRunner.Result result = ProcessRunner.run(rebootCommand, config.commandTimeout());
            if (result.exitCode() != 0) {
                throw new AgentException(AgentStep.REBOOT, "'" + shown + "' exited with " + result.exitCode() + ": "
                        + result.firstMessageLine(), true);
            }
        } catch (IOException | TimeoutException e) {
            throw new AgentException(AgentStep.REBOOT, "cannot run the reboot command '" + shown + "': "
                    + e.getMessage(), true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException(AgentStep.REBOOT, "interrupted while running '" + shown + "'", true, e);
        }
    }

    // ---- spool and state

    /** The paths of this agent's mode: the initrd's when it has a /var root, else the one tree. */
    private GuestPaths spoolPaths() {
        return initrdVarRoot == null ? GuestPaths.of(root)
                : GuestPaths.initrd(root, initrdVarRoot, java.util.Set.copyOf(config.postMountFiles()));
    }

    private EventSpool openSpool(GuestPaths paths) {
        Path directory = paths.resolve(config.get(AgentConfig.SPOOL_DIR));
        try {
            return EventSpool.open(directory);
        } catch (IOException e) {
            throw new AgentException(AgentStep.SPOOL, "cannot open the event spool in " + directory + ": "
                    + e.getMessage(), true, e);
        }
    }

    private static boolean readyRecorded(EventSpool spool) {
        try {
            return spool.all().stream().anyMatch(s -> s.event().hasReady());
        } catch (IOException e) {
            throw new AgentException(AgentStep.SPOOL, "cannot read the event spool: " + e.getMessage(), true, e);
        }
    }

    private static AgentState loadState(EventSpool spool) {
        try {
            return AgentState.load(spool.directory());
        } catch (IOException e) {
            throw new AgentException(AgentStep.SPOOL, "cannot read the agent state: " + e.getMessage(), false, e);
        }
    }

    private static void storeState(EventSpool spool, AgentState state) {
        try {
            state.store(spool.directory());
        } catch (IOException e) {
            throw new AgentException(AgentStep.SPOOL, "cannot write the agent state in " + spool.directory() + ": "
                    + e.getMessage(), true, e);
        }
    }

    private SpoolDelivery.Outcome deliver(EventSpool spool, String clientId) {
        SpoolDelivery delivery = new SpoolDelivery(config.bootstrapServers(), config.kafkaProperties(),
                config.topicLayout().guestEvents(), config.sendTimeout(), cloneKey().orElse(null));
        try {
            return delivery.deliver(spool, clientId);
        } catch (IOException e) {
            throw new AgentException(AgentStep.SPOOL, "cannot deliver from the event spool in " + spool.directory()
                    + ": " + e.getMessage(), true, e);
        }
    }

    /**
     * From now on the run's events are about {@code userid}, in the batch and attempt of the clone's key
     * when it has one (the worker wrote it for the attempt it copied, so it is the truth about the attempt;
     * the NAMES entry carries no attempt), else in {@code batchId} and {@code attempt} as NAMES or the
     * agent's state say (such events cannot be signed, and the coordinator will not count them).
     */
    private void aboutClone(EventRecorder events, String userid, String batchId, int attempt) {
        Optional<CloneKey> key = cloneKey().filter(k -> k.userid().equals(userid) && BatchName.isValid(k.batchId()));
        if (key.isPresent()) {
            if (!batchId.isEmpty() && !batchId.equals(key.get().batchId())) {
                LOG.warn("the NAMES entry of {} names batch {}, its clone key {}: events carry the key's", userid, batchId,
                        key.get().describe());
            }
            events.about(userid, key.get().batchId(), key.get().attempt());
        } else {
            events.about(userid, batchId, attempt);
        }
    }

    /** The clone's key from {@code clone.key.file}, or empty (logged) when there is none or it cannot be read. */
    private Optional<CloneKey> cloneKey() {
        Path file = spoolPaths().resolve(config.get(AgentConfig.CLONE_KEY_FILE));
        try {
            return Optional.of(CloneKey.read(file));
        } catch (CloneKey.CloneKeyException e) {
            LOG.warn("{}; events go unsigned and the coordinator will not count them", e.getMessage());
            return Optional.empty();
        }
    }

    private void deliverQuietly(EventSpool spool, String clientId, AgentException failure) {
        try {
            deliver(spool, clientId);
        } catch (AgentException e) {
            failure.addSuppressed(e);
        }
    }

    static String quote(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Builds a {@link GuestAgent}. Not thread-safe. */
    public static final class Builder {
        private final AgentConfig config;
        private Path root = Path.of("/");
        private Path initrdVarRoot;
        private Identity identity;
        private CloneConfigSource configSource;

        private Builder(AgentConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The guest's root directory (default {@code /}); in initrd mode, the initrd's root. */
        public Builder root(Path value) {
            this.root = Objects.requireNonNull(value, "root");
            return this;
        }

        /** Initrd mode: where the clone's own /var disk is mounted. */
        public Builder initrdVarRoot(Path value) {
            this.initrdVarRoot = value;
            return this;
        }

        /** Who this guest is; default: {@code identity.userid}, else CP's answer through {@code identity.vmcp}. */
        public Builder identity(Identity value) {
            this.identity = value;
            return this;
        }

        /** Where the NAMES entries come from; default: the installed provider for {@code config.disk}. */
        public Builder configSource(CloneConfigSource value) {
            this.configSource = value;
            return this;
        }

        public GuestAgent build() {
            return new GuestAgent(this);
        }
    }
}
