package org.clonefarm.cli.simulation;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.clonefarm.platform.cp.GuestRuntime;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.LinkStatement;
import org.clonefarm.platform.directory.MdiskLocation;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.LoopMount;
import org.clonefarm.platform.io.LoopMountException;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.layout.CloneLayout.Role;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.platform.volume.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.clonefarm.platform.io.FileTrees;

/**
 * What XAUTOLOG boots in the local simulation: a guest whose disks are loop-mounted ext4 file systems
 * of the volume images, and whose first boot is the guest agent, run as a child process from the
 * agent jar in the guest's own root ({@link CloneLayout#AGENT_JAR}); {@link AgentLauncher}
 * runs a byte-identical copy of that jar from {@code <work dir>/../agent-cache} with a shared class-data
 * archive, so that hundreds of agent runs do not each load the same classes from scratch.
 *
 * <p><b>RW root</b> (the clone owns 0200): boot 1 mounts its root (0200) read-write and its /var
 * (0202) at {@code root/var}, as its fstab says; while the finalize marker exists it runs
 * {@code finalize --root ROOT --userid USERID --names <the linked 0191's extent>}, whose reboot command
 * ({@code touch <boot dir>/reboot-requested}) tells the runtime to reboot: unmount everything, mount
 * again (boot 2) and run {@code report-ready}, as the units of a real guest do.
 * <b>RO root</b> (the clone links 0200): the owner's root is mounted read-only ({@code ro,noload}), the
 * clone's /var read-write at {@code root/var}, the master's /etc is copied into a per-boot directory
 * that stands for the initrd and bind-mounted over {@code root/etc}, and {@code initrd} runs with
 * {@code --root <initrd> --var root/var}; no reboot. A master prepared for RO root ({@code master prepare})
 * has its /etc as a link to /initrd/etc: the per-boot initrd is then a copy of its initrd files
 * ({@code CloneLayout.INITRD_TREE}), whose post-mount links point into the clone's /var.
 *
 * <p>The agent reports every step on Kafka itself (the farm's bootstrap servers and topic prefix are
 * passed with {@code --set}, a secured cluster's client file with {@code --kafka-config}, so that no secret
 * is on a command line or in the log); its output goes to {@code <work dir>/<USERID>.log}. When the boot ends,
 * the guest shuts down: every mount and loop device is released and the user is logged off
 * ({@link SimulatedCp#logoff}), so hundreds of clones never hold hundreds of loop devices. The
 * disks keep what the guest wrote.
 *
 * <p>Boots run asynchronously on a bounded pool ({@link Settings#concurrency}). Every mount and loop
 * device is released on success, on failure, on FORCE ({@link #halt}) and on {@link #close()}, which
 * a JVM shutdown hook also calls (Ctrl-C). A process killed with SIGKILL cannot clean up: the next
 * runtime on the same work directory releases the mounts it left there when it starts. One runtime
 * per work directory at a time. Thread-safe.
 */
public final class LoopMountGuestRuntime implements GuestRuntime, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LoopMountGuestRuntime.class);
    static final String REBOOT_FLAG = "reboot-requested";

    /**
     * How the runtime runs guests. Immutable.
     *
     * @param bootstrapServers the farm's Kafka brokers for the agent's events; empty keeps them in the spool
     * @param topicPrefix the topic prefix of the farm
     * @param concurrency how many guests boot at the same time (at least 1)
     * @param agentTimeout how long one agent run may take before it is killed
     * @param workDirectory where boot directories (mount points) and the agent logs live; no blanks
     * @param agentKafkaConfig the Kafka client properties file the agents' producers take (TLS, SASL: the
     *     guests' principal), passed as the agent's {@code --kafka-config}; null for none. The farm's
     *     bootstrap servers win over the file's
     */
    public record Settings(String bootstrapServers, String topicPrefix, int concurrency, Duration agentTimeout,
            Path workDirectory, Path agentKafkaConfig) {
        public Settings {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            Objects.requireNonNull(topicPrefix, "topicPrefix");
            Objects.requireNonNull(agentTimeout, "agentTimeout");
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
            }
            workDirectory = workDirectory.toAbsolutePath().normalize();
            if (workDirectory.toString().chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("the work directory " + workDirectory + " must not contain blanks"
                        + " (the agent's reboot command is split on blanks)");
            }
        }

        /** Defaults for a data directory: 4 guests at a time, 120 s per agent run, {@code <data>/run/guests}. */
        public static Settings of(SimulationDataDirectory data, String bootstrapServers, String topicPrefix) {
            return new Settings(bootstrapServers, topicPrefix, 4, Duration.ofSeconds(120), defaultWorkDirectory(data),
                    null);
        }

        public Settings withConcurrency(int value) {
            return new Settings(bootstrapServers, topicPrefix, value, agentTimeout, workDirectory, agentKafkaConfig);
        }

        public Settings withAgentTimeout(Duration value) {
            return new Settings(bootstrapServers, topicPrefix, concurrency, value, workDirectory, agentKafkaConfig);
        }

        /** The agents' Kafka client file (the guests' principal on a secured cluster), or null for none. */
        public Settings withAgentKafkaConfig(Path value) {
            return new Settings(bootstrapServers, topicPrefix, concurrency, agentTimeout, workDirectory,
                    value == null ? null : value.toAbsolutePath().normalize());
        }
    }

    /**
     * Mounts a guest's ext4 disk as the runtime boots it and verify reads it: through a loop device of its
     * own, read/write, or read-only with {@code ro,noload}, so that not even a journal replay writes to the
     * image.
     *
     * @throws LoopMountException naming the region and the mount point; nothing is left attached then
     */
    public static LoopMount mountDisk(FileRegion region, Path mountPoint, boolean readOnly) throws LoopMountException {
        LoopMount.Options options = readOnly ? LoopMount.Options.READ_ONLY.withMountOptions("noload") : LoopMount.Options.READ_WRITE;
        return LoopMount.mount(region, mountPoint, options.withType("ext4"));
    }

    /** {@code <data>/run/guests}: the boot directories and agent logs of a data directory's guests. */
    public static Path defaultWorkDirectory(SimulationDataDirectory data) {
        return data.root().resolve("run").resolve("guests");
    }

    /** How a boot ended. */
    public enum Status {
        /** The agent's runs of this boot all succeeded (for a first boot: READY was reported). */
        DONE,
        /** A mount or an agent run failed; {@link Outcome#detail()} says which. */
        FAILED,
        /** FORCE or close() stopped it. */
        HALTED
    }

    /** The end of one boot: status, the agent commands that ran, and what went wrong. */
    public record Outcome(Userid userid, Status status, List<String> agentRuns, String detail) {
    }

    private final Settings settings;
    private final GuestLogons<Boot, Outcome> logons;
    private final Set<LoopMount> liveMounts = ConcurrentHashMap.newKeySet();
    private final Thread shutdownHook;
    private final Consumer<Outcome> onShutdown;
    private final AgentLauncher launcher;

    public LoopMountGuestRuntime(Settings settings) {
        this(settings, outcome -> { });
    }

    /**
     * @param onShutdown told, on the boot's thread, how each guest's boot ended once its mounts are
     *     released: the place to report a guest that failed before its agent ran (a disk that does not
     *     mount), which no agent event tells; must not block long, and what it throws is logged
     */
    public LoopMountGuestRuntime(Settings settings, Consumer<Outcome> onShutdown) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.onShutdown = Objects.requireNonNull(onShutdown, "onShutdown");
        this.launcher = new AgentLauncher(settings.workDirectory().resolveSibling("agent-cache"), settings.agentTimeout());
        AtomicInteger threads = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread thread = new Thread(r, "local-guest-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        try {
            for (String leftover : LoopMount.releaseUnder(settings.workDirectory())) {
                LOG.warn("released {}, left by an earlier run that was killed", leftover);
            }
        } catch (LoopMountException e) {
            throw new GuestRuntimeException(e.getMessage(), e.retryable(), e);
        }
        this.logons = new GuestLogons<>("the local guest runtime",
                Executors.newFixedThreadPool(settings.concurrency(), factory));
        this.shutdownHook = new Thread(this::close, "local-guest-runtime-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public void boot(Userid userid, SimulatedCp system) {
        Boot boot = new Boot(userid, system);
        logons.start(userid, boot, boot::run);
    }

    /**
     * The outcome of {@code userid}'s latest boot, completed when its guest has shut down and every
     * mount is released; empty when it never booted here.
     */
    public Optional<CompletableFuture<Outcome>> outcome(Userid userid) {
        return logons.outcome(userid);
    }

    /** Stops the guest (kills its agent) and waits until its mounts are released. */
    @Override
    public void halt(Userid userid) throws Exception {
        logons.halt(userid, Boot::halt, settings.agentTimeout().plusSeconds(60));
    }

    /** Guests booting now. */
    public Set<Userid> running() {
        return logons.running();
    }

    /**
     * Stops every guest, waits for their cleanup, then releases any mount still held (say a boot
     * thread that did not finish in time). Idempotent; also run by the JVM shutdown hook.
     */
    @Override
    public void close() {
        if (!logons.close()) {
            return;
        }
        for (Boot boot : logons.guests()) {
            boot.halt();
        }
        try {
            if (!logons.shutdown(Duration.ofSeconds(30))) {
                logons.shutdownNow(Duration.ofSeconds(10));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<LoopMount> left = new ArrayList<>(liveMounts);
        // mounts made later sit on top of earlier ones: release the deepest mount points first
        left.sort((a, b) -> Integer.compare(b.mountPoint().getNameCount(), a.mountPoint().getNameCount()));
        for (LoopMount mount : left) {
            try {
                mount.close();
                liveMounts.remove(mount);
            } catch (LoopMountException e) {
                LOG.error("cannot release {}: {}", mount, e.getMessage());
            }
        }
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already and runs the hook: nothing to remove
                LOG.debug("shutdown in progress; the hook stays", e);
            }
        }
    }

    /** The disks of a guest as its directory entry gives them. */
    record GuestDisks(FileRegion root, boolean rootReadOnly, FileRegion var, FileRegion config) {
    }

    /** Finds the bytes of a guest's root, /var and 191 disk from its entry in {@code directory}. */
    static GuestDisks disks(SimulationDataDirectory data, UserDirectory directory, Userid userid) throws IOException {
        Map<Volser, Volume> volumes = data.volumes();
        DirectoryEntry entry = directory.entry(userid).filter(e -> !e.isProfile()).orElseThrow(() -> new GuestRuntimeException(
                userid + " has no USER entry in " + data.directoryFile(), false));
        FileRegion root;
        boolean readOnly;
        if (entry.minidisk(Role.ROOT.vaddr()).map(m -> m.location() instanceof MdiskLocation.OnVolume).orElse(false)) {
            root = data.resolve(directory, volumes, userid, Role.ROOT.vaddr());
            readOnly = false;
        } else {
            LinkStatement link = link(entry, Role.ROOT.vaddr()).orElseThrow(() -> new GuestRuntimeException(userid
                    + " has neither a minidisk nor a LINK at " + Role.ROOT.vaddr() + ": it has no root disk to boot", false));
            root = data.resolve(directory, volumes, link.owner(), link.vaddr());
            readOnly = true;
        }
        if (entry.minidisk(Role.VAR.vaddr()).isEmpty()) {
            throw new GuestRuntimeException(userid + " has no minidisk " + Role.VAR.vaddr() + " for its /var", false);
        }
        FileRegion var = data.resolve(directory, volumes, userid, Role.VAR.vaddr());
        FileRegion config;
        Optional<LinkStatement> configLink = link(entry, Role.CONFIG.vaddr());
        if (configLink.isPresent()) {
            config = data.resolve(directory, volumes, configLink.get().owner(), configLink.get().vaddr());
        } else if (entry.minidisk(Role.CONFIG.vaddr()).isPresent()) {
            config = data.resolve(directory, volumes, userid, Role.CONFIG.vaddr());
        } else {
            throw new GuestRuntimeException(userid + " has no 191 disk (LINK or MDISK " + Role.CONFIG.vaddr()
                    + "): its agent has no NAMES file to read", false);
        }
        return new GuestDisks(root, readOnly, var, config);
    }

    private static Optional<LinkStatement> link(DirectoryEntry entry, Vaddr myVaddr) {
        return entry.links().stream().filter(l -> l.myVaddr().equals(myVaddr)).findFirst();
    }

    /** One boot of one guest; its thread is the only one that mounts, {@link #halt} may come from any. */
    private final class Boot {
        private final Userid userid;
        private final SimulatedCp system;
        private final Deque<LoopMount> mounts = new ArrayDeque<>();
        private final List<String> agentRuns = new ArrayList<>();
        private volatile boolean halted;
        private volatile Process agent;

        Boot(Userid userid, SimulatedCp system) {
            this.userid = userid;
            this.system = system;
        }

        void halt() {
            halted = true;
            launcher.wakeWaiters();
            Process process = agent;
            if (process != null) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }

        Outcome run() {
            Path bootDir = settings.workDirectory().resolve(userid.value() + ".boot");
            Outcome outcome;
            try {
                FileTrees.deleteTree(bootDir);
                Files.createDirectories(bootDir);
                GuestDisks disks = disks(system.data(), system.directory(), userid);
                if (disks.rootReadOnly()) {
                    bootReadOnlyRoot(disks, bootDir);
                } else {
                    bootReadWriteRoot(disks, bootDir);
                }
                outcome = new Outcome(userid, Status.DONE, List.copyOf(agentRuns), "");
            } catch (Halted e) {
                outcome = new Outcome(userid, Status.HALTED, List.copyOf(agentRuns), e.getMessage());
            } catch (IOException | RuntimeException e) {
                if (halted) {
                    outcome = new Outcome(userid, Status.HALTED, List.copyOf(agentRuns), "halted: " + e.getMessage());
                } else {
                    LOG.warn("the guest of {} failed: {}", userid, e.getMessage());
                    outcome = new Outcome(userid, Status.FAILED, List.copyOf(agentRuns), e.getMessage());
                }
            } finally {
                String leftover = releaseAll();
                if (leftover != null) {
                    LOG.error("the guest of {} left mounts behind: {}", userid, leftover);
                }
                try {
                    FileTrees.deleteTree(bootDir);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("cannot delete the boot directory {}: {}", bootDir, e.getMessage());
                }
                // forget the boot first: a new XAUTOLOG after the logoff must find the guest stopped
                logons.ended(userid, this);
                system.logoff(userid);
            }
            LOG.info("the guest of {} shut down: {} {}", userid, outcome.status(), outcome.detail());
            try {
                onShutdown.accept(outcome);
            } catch (RuntimeException e) {
                LOG.error("the shutdown listener failed for {}: {}", userid, e.toString());
            }
            return outcome;
        }

        private void bootReadWriteRoot(GuestDisks disks, Path bootDir) throws IOException {
            Path root = bootDir.resolve("root");
            mountGuest(disks, root);
            if (Files.exists(CloneLayout.inRoot(root, CloneLayout.FINALIZE_MARKER), LinkOption.NOFOLLOW_LINKS)) {
                Path flag = bootDir.resolve(REBOOT_FLAG);
                runAgent(root, "finalize", List.of("--root", root.toString(), "--names", disks.config().toString(),
                        "--set", "reboot.command=touch " + flag));
                if (!Files.exists(flag)) {
                    throw new GuestRuntimeException("finalize of " + userid + " ended without asking for the reboot", false);
                }
                // the reboot: the guest goes down and comes up again from its disks
                String leftover = releaseAll();
                if (leftover != null) {
                    throw new GuestRuntimeException("cannot reboot " + userid + ": " + leftover, true);
                }
                Files.delete(flag);
                mountGuest(disks, root);
            }
            if (Files.exists(CloneLayout.inRoot(root, CloneLayout.FINALIZE_MARKER), LinkOption.NOFOLLOW_LINKS)) {
                throw new GuestRuntimeException("the finalize marker of " + userid + " is still there after the reboot", false);
            }
            runAgent(root, "report-ready", List.of("--root", root.toString()));
        }

        private void bootReadOnlyRoot(GuestDisks disks, Path bootDir) throws IOException {
            Path root = bootDir.resolve("root");
            mount(disks.root(), root, true);
            Path var = root.resolve("var");
            mount(disks.var(), var, false);
            Path initrd = bootDir.resolve("initrd");
            Path preparedInitrd = CloneLayout.inRoot(root, CloneLayout.INITRD_TREE);
            if (Files.isDirectory(preparedInitrd, LinkOption.NOFOLLOW_LINKS)) {
                // a prepared master (master prepare --profile ro-root): its /etc is a link to /initrd/etc and the
                // initrd's files are kept in INITRD_TREE; the agent works on a copy, as on the boot's ram disk
                copyTree(preparedInitrd.resolve("etc"), initrd.resolve("etc"));
            } else {
                copyTree(root.resolve("etc"), initrd.resolve("etc"));
                LoopMount etc = LoopMount.bind(initrd.resolve("etc"), root.resolve("etc"));
                mounts.push(etc);
                liveMounts.add(etc);
            }
            runAgent(root, "initrd", List.of("--root", initrd.toString(), "--var", var.toString(), "--names",
                    disks.config().toString()));
        }

        private void mountGuest(GuestDisks disks, Path root) throws LoopMountException {
            mount(disks.root(), root, false);
            mount(disks.var(), root.resolve("var"), false);
        }

        private void mount(FileRegion region, Path mountPoint, boolean readOnly) throws LoopMountException {
            if (halted) {
                throw new Halted(userid + " was halted before it mounted " + mountPoint.getFileName());
            }
            LoopMount mount = mountDisk(region, mountPoint, readOnly);
            mounts.push(mount);
            liveMounts.add(mount);
        }

        /** Releases this boot's mounts, newest first; returns what could not be released, or null. */
        private String releaseAll() {
            List<String> problems = new ArrayList<>();
            while (!mounts.isEmpty()) {
                LoopMount mount = mounts.pop();
                try {
                    mount.close();
                    liveMounts.remove(mount);
                } catch (LoopMountException e) {
                    problems.add(e.getMessage());
                }
            }
            return problems.isEmpty() ? null : String.join("; ", problems);
        }

        private void runAgent(Path root, String command, List<String> arguments) throws IOException {
            if (halted) {
                throw new Halted(userid + " was halted before " + command);
            }
            Path jar = CloneLayout.inRoot(root, CloneLayout.AGENT_JAR);
            if (!Files.isRegularFile(jar)) {
                throw new GuestRuntimeException("the root of " + userid + " has no agent jar " + CloneLayout.AGENT_JAR, false);
            }
            AgentLauncher.Launch launch = launcher.launch(jar, () -> halted);
            List<String> argv = new ArrayList<>(launch.command());
            argv.add(command);
            argv.addAll(arguments);
            argv.addAll(List.of("--userid", userid.value(), "--set", "bootstrap.servers=" + settings.bootstrapServers(),
                    "--set", "topic.prefix=" + settings.topicPrefix(), "--set", "config.disk.bus.id="));
            if (settings.agentKafkaConfig() != null) {
                argv.addAll(List.of("--kafka-config", settings.agentKafkaConfig().toString()));
            }
            Path log = settings.workDirectory().resolve(userid.value() + ".log");
            Files.createDirectories(log.getParent());
            Files.writeString(log, "== " + java.time.Instant.now() + " " + String.join(" ", argv) + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(Redirect.appendTo(log.toFile()));
            agentRuns.add(command);
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                launcher.finished(launch, -1);
                throw e;
            }
            agent = process;
            try {
                if (halted) {
                    halt();
                }
                if (!process.waitFor(settings.agentTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                    throw new GuestRuntimeException("the agent's " + command + " of " + userid + " did not end within "
                            + settings.agentTimeout().toSeconds() + " s and was killed (log: " + log + ")", true);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new Halted(userid + " was interrupted during " + command);
            } finally {
                agent = null;
                launcher.finished(launch, process.isAlive() ? -1 : process.exitValue());
            }
            if (halted) {
                throw new Halted(userid + " was halted during " + command);
            }
            if (process.exitValue() != 0) {
                throw new GuestRuntimeException("the agent's " + command + " of " + userid + " exited with "
                        + process.exitValue() + ": " + lastLine(log), false);
            }
        }
    }

    /** A boot stopped by FORCE or close(). */
    private static final class Halted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Halted(String message) {
            super(message);
        }
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (!lines.get(i).isBlank()) {
                    return lines.get(i).strip() + " (log: " + log + ")";
                }
            }
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
        return "(no output; log: " + log + ")";
    }

    /** Copies a tree as it is: files, directories, symbolic links (not followed), permissions. */
    static void copyTree(Path source, Path target) throws IOException {
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(target.resolve(source.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, target.resolve(source.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES,
                        LinkOption.NOFOLLOW_LINKS);
                return FileVisitResult.CONTINUE;
            }
        });
    }

}
