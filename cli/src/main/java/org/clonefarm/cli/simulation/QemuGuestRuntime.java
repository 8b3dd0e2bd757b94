package org.clonefarm.cli.simulation;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.clonefarm.agent.AgentConfig;
import org.clonefarm.platform.cms.EdfFileSystem;
import org.clonefarm.platform.cp.GuestRuntime;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.LinkStatement;
import org.clonefarm.platform.directory.MdiskLocation;
import org.clonefarm.platform.directory.MdiskStatement;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.FileTrees;
import org.clonefarm.platform.io.HostTool;
import org.clonefarm.cli.console.Invocation;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.layout.CloneLayout.Role;
import org.clonefarm.platform.names.NamesEntry;
import org.clonefarm.platform.names.NamesFile;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.platform.volume.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What XAUTOLOG boots with {@code --guests qemu}: a real virtual machine, {@code qemu-system-x86_64}, whose
 * disks are the guest's own minidisks in the volume images, booting the Linux on them (the bootable demo
 * master's clones, {@link BootableMaster}); its systemd runs the agent's units.
 *
 * <p><b>Disks.</b> Every minidisk of the guest's directory entry and every LINK is one virtio-blk device over
 * the bytes of its extent (QEMU's raw driver with {@code offset} and {@code size} over the volume image, file
 * locking off: many guests share a volume image), with the vaddr as its serial number, so udev names it
 * {@link #deviceName} {@code /dev/disk/by-id/virtio-<vaddr>}: the x86 stand-in of z/VM's
 * {@code /dev/disk/by-path/ccw-0.0.<vaddr>}. A LINK in mode R (the 191, the master's /usr) is a read-only
 * device. V-DISKs are not presented.
 *
 * <p><b>IPL.</b> Each boot reads the kernel and initrd from the guest's own root disk (0200; with
 * {@code debugfs}, nothing mounted) and starts QEMU with them (direct kernel boot), {@code root=} the root
 * disk's stable name, {@code net.ifnames=0} (the NIC is {@code eth0}): the stand-in of the PROFILE EXEC's
 * {@code CP IPL 0200}. QEMU runs with {@code -no-reboot}: when the guest reboots (the kernel prints
 * {@code reboot: Restarting system}) QEMU ends and the runtime IPLs again, reading the kernel anew, so a
 * reboot is a real one. The console (serial port) of every boot of one logon is appended to
 * {@code <work dir>/<USERID>.console}; QEMU's own messages go to {@code <USERID>.qemu.log}.
 *
 * <p><b>Network.</b> One virtio NIC with the MAC {@link #macAddress(Userid, NamesEntry)} on a private user-mode network (slirp,
 * {@code restrict=on}: no way out) whose address range is the guest's subnet and whose host address is its
 * gateway (both from its NAMES entry). The agent sends to {@code bootstrap.servers} of the guest's own
 * {@code agent.properties}; that address must be {@link GuestBroker#advertised}, the farm broker's listener
 * for guests, which the runtime forwards to the broker on this host ({@code guestfwd}).
 *
 * <p><b>Lifecycle.</b> Boots run on their own threads, at most {@link Settings#concurrency} at once between
 * XAUTOLOG and READY. READY is the report-ready unit's success on the console ({@link #READY_MARKER}); the guest is then logged off
 * as an operator logs a Linux guest off on z/VM, unless fewer than {@link Settings#keepRunning} guests are kept
 * running: SIGNAL SHUTDOWN ({@link QemuMonitor#signalShutdown}, over the guest's QMP socket
 * {@code <work dir>/<USERID>.qmp}), then FORCE if QEMU has not ended within {@link #LOGOFF_TIMEOUT}. So the
 * guest's file systems are unmounted cleanly and {@code verify} reads them consistent. A guest that does not
 * reach READY within {@link Settings#bootTimeout}, whose finalize unit fails, or whose QEMU ends otherwise is
 * stopped (killed) and logged off; the reason is in the log and the outcome. {@link #halt} (FORCE) kills QEMU at
 * once; {@link #close()} and a JVM shutdown hook log every guest off the clean way (SIGNAL SHUTDOWN, FORCE after
 * the timeout); a runtime starting on a work directory first kills QEMUs that a SIGKILLed runtime left there
 * (their pid files). Thread-safe.
 */
public final class QemuGuestRuntime implements GuestRuntime, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QemuGuestRuntime.class);
    private static final String QEMU = "qemu-system-x86_64";
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final String REBOOTING = "reboot: Restarting system";
    private static final String POWERED_OFF = "reboot: Power down";
    private static final String KERNEL_STARTS = "Linux version ";
    /**
     * What the bootable master's report-ready unit writes to the kernel log, and so to the console, when it has
     * succeeded ({@link BootableMaster}: systemd's own status lines stop once a getty owns the console).
     */
    public static final String READY_MARKER = "clonefarm-report-ready.service: done";
    private static final String FINALIZE_UNIT = "clonefarm-finalize.service";
    /** What the RO root's initramfs script (build-bootable-root.sh) prints before it powers a clone off. */
    private static final String INITRD_FAILED = "clonefarm-initrd: failed:";

    /**
     * How QEMU runs guests: KVM, TCG (emulation), or AUTO: KVM when {@code /dev/kvm} can be opened read-write and
     * KVM has not failed in this runtime, else TCG. The first guest AUTO boots with KVM is watched: when its
     * console shows no kernel banner within {@link #KVM_PROBE} (a guest that hangs right after its kernel is
     * decompressed) or QEMU ends without one (a CPU model KVM cannot set up), it is IPLed again with TCG, and
     * so is every later guest.
     */
    public enum Accel {
        AUTO, KVM, TCG
    }

    /** How long AUTO waits for a KVM guest's kernel banner before it takes TCG instead. */
    static final Duration KVM_PROBE = Duration.ofSeconds(30);

    /**
     * How long a logoff waits after SIGNAL SHUTDOWN for the guest to power off before it FORCEs it. Under TCG on
     * a loaded 2-core machine the bootable master's systemd stops its units and unmounts in 5-20 s; 60 s leaves
     * room for that and still bounds the end of a command by a minute.
     */
    static final Duration LOGOFF_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);

    /**
     * The farm broker's listener for guests.
     *
     * @param advertised {@code HOST:PORT} the broker advertises on it and the guests dial (inside their subnet)
     * @param hostPort the port on this host's loopback where that listener accepts
     */
    public record GuestBroker(String advertised, int hostPort) {
        public GuestBroker {
            Objects.requireNonNull(advertised, "advertised");
            if (!advertised.matches("\\d{1,3}(\\.\\d{1,3}){3}:\\d{1,5}")) {
                throw new IllegalArgumentException("the guests' broker address must be IPv4:PORT, got " + advertised);
            }
        }

        String host() {
            return advertised.substring(0, advertised.indexOf(':'));
        }

        int port() {
            return Integer.parseInt(advertised.substring(advertised.indexOf(':') + 1));
        }
    }

    /**
     * How the runtime runs guests. Immutable.
     *
     * @param workDirectory consoles, QEMU logs, pid files and the boot directories (the kernel of each IPL)
     * @param concurrency guests between XAUTOLOG and READY at once (at least 1); the rest wait
     * @param memoryMib memory of each guest
     * @param accel KVM, TCG or AUTO
     * @param keepRunning how many guests stay running after READY (until FORCE or close); the others are logged off
     * @param bootTimeout how long from XAUTOLOG to READY before the guest is stopped
     * @param topicPrefix the farm's topic prefix: a guest whose agent.properties names another one is not started
     * @param broker the farm broker's listener for guests, or null: the agents then keep their events spooled
     */
    public record Settings(Path workDirectory, int concurrency, int memoryMib, Accel accel, int keepRunning,
            Duration bootTimeout, String topicPrefix, GuestBroker broker) {
        public Settings {
            workDirectory = workDirectory.toAbsolutePath().normalize();
            Objects.requireNonNull(accel, "accel");
            Objects.requireNonNull(bootTimeout, "bootTimeout");
            Objects.requireNonNull(topicPrefix, "topicPrefix");
            if (concurrency < 1) {
                throw new IllegalArgumentException("guest concurrency must be at least 1, got " + concurrency);
            }
            if (memoryMib < 256) {
                throw new IllegalArgumentException("guest memory must be at least 256 MiB, got " + memoryMib);
            }
            if (keepRunning < 0) {
                throw new IllegalArgumentException("guests kept running must be 0 or more, got " + keepRunning);
            }
        }

        /** 2 guests at a time, 768 MiB each, AUTO, none kept, 15 minutes to READY, in {@code <data>/run/guests}. */
        public static Settings of(SimulationDataDirectory data, String topicPrefix, GuestBroker broker) {
            return new Settings(LoopMountGuestRuntime.defaultWorkDirectory(data), 2, 768, Accel.AUTO, 0,
                    Duration.ofMinutes(15), topicPrefix, broker);
        }

        public Settings with(int concurrency, int memoryMib, Accel accel, int keepRunning) {
            return new Settings(workDirectory, concurrency, memoryMib, accel, keepRunning, bootTimeout, topicPrefix, broker);
        }

        public Settings withBootTimeout(Duration value) {
            return new Settings(workDirectory, concurrency, memoryMib, accel, keepRunning, value, topicPrefix, broker);
        }
    }

    /** How a guest's logon ended. */
    public enum Status {
        /** READY was reported (the guest was then logged off, or kept running until FORCE). */
        READY,
        /** It failed before READY; {@link Outcome#detail()} says where. */
        FAILED,
        /** FORCE or close() stopped it before READY. */
        HALTED
    }

    /** The end of one logon: status, the kernel boots (IPLs) it took, what went wrong. */
    public record Outcome(Userid userid, Status status, int ipls, String detail) {
    }

    private final Settings settings;
    private final Semaphore bootSlots;
    private final AtomicInteger kept = new AtomicInteger();
    private final GuestLogons<Guest, Outcome> logons;
    private final Thread shutdownHook;
    /** AUTO's finding: null until a KVM guest showed its kernel banner (true) or failed to (false). */
    private volatile Boolean kvmWorks;

    public QemuGuestRuntime(Settings settings) throws IOException {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.bootSlots = new Semaphore(settings.concurrency(), true);
        Files.createDirectories(settings.workDirectory());
        killLeftovers(settings.workDirectory());
        AtomicInteger count = new AtomicInteger();
        this.logons = new GuestLogons<>("the QEMU guest runtime", Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "qemu-guest-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }));
        this.shutdownHook = new Thread(this::close, "qemu-guest-runtime-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public Settings settings() {
        return settings;
    }

    /** The accelerator the next IPL takes. */
    private Accel accel() {
        if (settings.accel() != Accel.AUTO) {
            return settings.accel();
        }
        Path kvm = Path.of("/dev/kvm");
        boolean usable = Files.isReadable(kvm) && Files.isWritable(kvm);
        return usable && !Boolean.FALSE.equals(kvmWorks) ? Accel.KVM : Accel.TCG;
    }

    private void kvmFailed(Userid userid, String how) {
        if (!Boolean.FALSE.equals(kvmWorks)) {
            LOG.warn("KVM does not boot guests here ({} of {}): this and every later guest runs with TCG", how, userid);
        }
        kvmWorks = false;
    }

    /** The stable name of the guest's disk at {@code vaddr}: the virtio disk whose serial number is the vaddr. */
    public static String deviceName(Vaddr vaddr) {
        return "/dev/disk/by-id/virtio-" + vaddr;
    }

    /**
     * The MAC address of a guest's NIC, as CP would assign it: its NAMES entry's {@code :macaddr.} (the MAC of a
     * NICDEF with MACID), else the simulation's per-userid rule {@link CloneLayout#macAddress(Userid)}.
     */
    public static String macAddress(Userid userid, NamesEntry entry) {
        return entry.get("macaddr").map(String::strip).filter(mac -> !mac.isEmpty())
                .orElseGet(() -> CloneLayout.macAddress(userid));
    }

    /** The console file of a guest (every boot of its latest logon). */
    public static Path consoleFile(Path workDirectory, Userid userid) {
        return workDirectory.resolve(userid.value() + ".console");
    }

    /** Whether a QEMU of this guest runs now (its pid file names a live QEMU). */
    public static boolean isRunning(Path workDirectory, Userid userid) {
        return livePid(pidFile(workDirectory, userid)).isPresent();
    }

    private static Path pidFile(Path workDirectory, Userid userid) {
        return workDirectory.resolve(userid.value() + ".qemu.pid");
    }

    /** The guest's QMP socket while its QEMU runs. */
    private static Path qmpSocket(Path workDirectory, Userid userid) {
        return QemuMonitor.socketPath(workDirectory, userid.value());
    }

    @Override
    public void boot(Userid userid, SimulatedCp system) {
        Guest guest = new Guest(userid, system);
        logons.start(userid, guest, guest::run);
    }

    /** The outcome of {@code userid}'s latest logon, completed when its QEMU has ended; empty when it never booted here. */
    public Optional<CompletableFuture<Outcome>> outcome(Userid userid) {
        return logons.outcome(userid);
    }

    /** Guests logged on now (booting, or kept running after READY). */
    public Set<Userid> running() {
        return logons.running();
    }

    /** FORCE: kills the guest's QEMU and waits until its logon has ended. */
    @Override
    public void halt(Userid userid) throws Exception {
        logons.halt(userid, Guest::halt, Duration.ofSeconds(60));
    }

    /**
     * Logs every guest off and waits for their ends: SIGNAL SHUTDOWN to each running QEMU (FORCE at once for a
     * guest between IPLs or waiting for its turn), FORCE for those still running after {@link #LOGOFF_TIMEOUT}.
     * Idempotent; also run by the JVM shutdown hook.
     */
    @Override
    public void close() {
        if (!logons.close()) {
            return;
        }
        List<Guest> running = logons.guests();
        for (Guest guest : running) {
            if (!guest.signalShutdown()) {
                guest.halt();
            }
        }
        long deadline = System.nanoTime() + LOGOFF_TIMEOUT.toNanos();
        for (Guest guest : running) {
            CompletableFuture<Outcome> outcome = logons.outcome(guest.userid).orElse(null);
            try {
                if (outcome != null) {
                    outcome.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
            } catch (java.util.concurrent.TimeoutException e) {
                LOG.warn("the guest of {} did not stop within {} s of SIGNAL SHUTDOWN: FORCE", guest.userid,
                        LOGOFF_TIMEOUT.toSeconds());
                guest.halt();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                guest.halt();
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.debug("the logon of {} ended in an error", guest.userid, e);
            }
        }
        try {
            if (!logons.shutdown(Duration.ofSeconds(60))) {
                LOG.error("QEMU guests still ending after 60 s: {}", logons.running());
                logons.shutdownNow(Duration.ZERO);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                LOG.debug("shutdown in progress; the hook stays", e);
            }
        }
    }

    /** One disk as the guest sees it. */
    record GuestDisk(Vaddr vaddr, FileRegion region, boolean readOnly) {
    }

    /** The guest's minidisks (read-write unless its mode is R) and links (read-only unless mode W or M), by vaddr. */
    static List<GuestDisk> disks(SimulationDataDirectory data, Userid userid) throws IOException {
        UserDirectory directory = data.readDirectory();
        Map<Volser, Volume> volumes = data.volumes();
        DirectoryEntry entry = directory.entry(userid).filter(e -> !e.isProfile()).orElseThrow(() -> new GuestRuntimeException(
                userid + " has no USER entry in " + data.directoryFile(), false));
        List<GuestDisk> disks = new ArrayList<>();
        for (MdiskStatement mdisk : entry.minidisks()) {
            if (mdisk.location() instanceof MdiskLocation.OnVolume) {
                disks.add(new GuestDisk(mdisk.vaddr(), data.resolve(directory, volumes, userid, mdisk.vaddr()),
                        mdisk.mode().toUpperCase(Locale.ROOT).startsWith("R")));
            }
        }
        for (LinkStatement link : entry.links()) {
            boolean writable = link.mode().toUpperCase(Locale.ROOT).startsWith("W")
                    || link.mode().toUpperCase(Locale.ROOT).startsWith("M");
            disks.add(new GuestDisk(link.myVaddr(), data.resolve(directory, volumes, link.owner(), link.vaddr()), !writable));
        }
        disks.sort(Comparator.comparing(d -> d.vaddr().value()));
        return disks;
    }

    /** One logon of one guest; its thread runs the IPLs, {@link #halt} may come from any thread. */
    private final class Guest {
        private final Userid userid;
        private final SimulatedCp system;
        private volatile boolean halted;
        /** SIGNAL SHUTDOWN was sent: the guest is being logged off and is not IPLed again. */
        private final java.util.concurrent.atomic.AtomicBoolean loggingOff = new java.util.concurrent.atomic.AtomicBoolean();
        private volatile Process qemu;
        private int ipls;

        Guest(Userid userid, SimulatedCp system) {
            this.userid = userid;
            this.system = system;
        }

        void halt() {
            halted = true;
            Process process = qemu;
            if (process != null) {
                process.destroyForcibly();
            }
        }

        /**
         * SIGNAL SHUTDOWN to the running QEMU, once per logon. Returns false when there is no QEMU to signal or
         * QMP failed (the caller then FORCEs); true when it was sent now or before.
         */
        boolean signalShutdown() {
            Process process = qemu;
            if (process == null || !process.isAlive()) {
                return false;
            }
            if (!loggingOff.compareAndSet(false, true)) {
                return true;
            }
            try {
                new QemuMonitor(qmpSocket(settings.workDirectory(), userid)).signalShutdown(QMP_TIMEOUT);
                return true;
            } catch (IOException e) {
                LOG.warn("SIGNAL SHUTDOWN to {} failed ({}): FORCE", userid, e.getMessage());
                return false;
            }
        }

        /** Logs the READY guest off: SIGNAL SHUTDOWN, then FORCE after {@link #LOGOFF_TIMEOUT}; says how it ended. */
        private String logoff(Process process, ConsoleWatch watch) throws IOException, InterruptedException {
            if (!signalShutdown()) {
                process.destroyForcibly();
                return "FORCE (SIGNAL SHUTDOWN could not be sent)";
            }
            long end = System.nanoTime() + LOGOFF_TIMEOUT.toNanos();
            while (!process.waitFor(250, TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() > end) {
                    LOG.warn("the guest of {} did not stop within {} s of SIGNAL SHUTDOWN: FORCE", userid,
                            LOGOFF_TIMEOUT.toSeconds());
                    process.destroyForcibly();
                    return "FORCE: not stopped within " + LOGOFF_TIMEOUT.toSeconds() + " s of SIGNAL SHUTDOWN";
                }
            }
            watch.read();
            return watch.poweredOff ? "SIGNAL SHUTDOWN: the guest shut down"
                    : "SIGNAL SHUTDOWN, then QEMU ended with exit code " + process.exitValue() + " without the guest's power-down";
        }

        Outcome run() {
            Path bootDir = settings.workDirectory().resolve(userid.value() + ".boot");
            Outcome outcome;
            java.util.concurrent.atomic.AtomicBoolean slot = new java.util.concurrent.atomic.AtomicBoolean();
            try {
                // a guest waiting for a boot slot is still logged on: FORCE must end the wait
                while (!bootSlots.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                    if (halted) {
                        throw new InterruptedException("FORCE before the guest's turn to boot");
                    }
                }
                slot.set(true);
                FileTrees.deleteTree(bootDir);
                Files.createDirectories(bootDir);
                Files.writeString(consoleFile(settings.workDirectory(), userid), "");
                // READY frees the boot slot: a guest kept running does not hold back the others' boots
                outcome = logon(bootDir, () -> {
                    if (slot.getAndSet(false)) {
                        bootSlots.release();
                    }
                });
            } catch (InterruptedException e) {
                if (!halted) {
                    Thread.currentThread().interrupt();
                }
                outcome = new Outcome(userid, Status.HALTED, ipls, e.getMessage() == null ? "interrupted" : e.getMessage());
            } catch (IOException | RuntimeException e) {
                if (halted) {
                    outcome = new Outcome(userid, Status.HALTED, ipls, "halted: " + e.getMessage());
                } else {
                    LOG.warn("the guest of {} failed: {}", userid, e.getMessage());
                    outcome = new Outcome(userid, Status.FAILED, ipls, e.getMessage());
                }
            } finally {
                Process process = qemu;
                if (process != null) {
                    process.destroyForcibly();
                    try {
                        process.waitFor(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                try {
                    FileTrees.deleteTree(bootDir);
                    Files.deleteIfExists(pidFile(settings.workDirectory(), userid));
                    Files.deleteIfExists(qmpSocket(settings.workDirectory(), userid));
                } catch (IOException | RuntimeException e) {
                    LOG.warn("cannot delete {} or the pid file of {}: {}", bootDir, userid, e.getMessage());
                }
                logons.ended(userid, this);
                system.logoff(userid);
            }
            if (slot.getAndSet(false)) {
                bootSlots.release();
            }
            LOG.info("the guest of {} logged off after {} IPLs: {} {}", userid, outcome.ipls(), outcome.status(),
                    outcome.detail());
            return outcome;
        }

        /**
         * IPLs until READY (then logs off, or stays until the guest or FORCE ends it), a failure or the timeout.
         * Calls {@code atReady} once, when READY is seen: the boot slot is no longer needed.
         */
        private Outcome logon(Path bootDir, Runnable atReady) throws IOException, InterruptedException {
            List<GuestDisk> disks = disks(system.data(), userid);
            GuestDisk root = disk(disks, Role.ROOT);
            GuestDisk config = disk(disks, Role.CONFIG);
            Network network = network(config);
            boolean preparedForRoRoot = preparedForRoRoot(root.region());
            if (root.readOnly() && !preparedForRoRoot) {
                throw new GuestRuntimeException(userid + " links its root " + Role.ROOT.vaddr() + " read-only, but that root's"
                        + " /etc is not a link to " + CloneLayout.INITRD_MOUNT + "/etc: a RO-root clone boots only from a master"
                        + " prepared for it (" + Invocation.command("master prepare apply --master-data DATA --profile ro-root")
                        + ")", false);
            }
            Properties agent = agentProperties(root, preparedForRoRoot);
            GuestBroker broker = checkBroker(agent, network);
            long deadline = System.nanoTime() + settings.bootTimeout().toNanos();
            boolean ready = false;
            boolean keep = false;
            ipl:
            while (true) {
                if (halted || loggingOff.get()) {
                    return new Outcome(userid, ready ? Status.READY : Status.HALTED, ipls, halted ? "FORCE" : "SIGNAL SHUTDOWN");
                }
                ipls++;
                Kernel kernel = kernel(root, bootDir);
                Path console = consoleFile(settings.workDirectory(), userid);
                long consoleStart = Files.size(console);
                Accel accel = accel();
                boolean probing = settings.accel() == Accel.AUTO && accel == Accel.KVM && kvmWorks == null;
                long probeDeadline = System.nanoTime() + KVM_PROBE.toNanos();
                Process process = start(disks, network, broker, kernel, console, accel);
                qemu = process;
                if (halted) {
                    process.destroyForcibly();
                }
                ConsoleWatch watch = new ConsoleWatch(console, consoleStart);
                while (!process.waitFor(250, TimeUnit.MILLISECONDS)) {
                    watch.read();
                    if (probing && watch.kernelStarted) {
                        kvmWorks = true;
                        probing = false;
                    } else if (probing && System.nanoTime() > probeDeadline) {
                        process.destroyForcibly();
                        process.waitFor(30, TimeUnit.SECONDS);
                        kvmFailed(userid, "no kernel banner within " + KVM_PROBE.toSeconds() + " s");
                        ipls--;
                        continue ipl;
                    }
                    if (watch.finalizeFailed) {
                        return new Outcome(userid, Status.FAILED, ipls, "the agent's " + FINALIZE_UNIT + " failed in IPL "
                                + ipls + " (console: " + console + ")");
                    }
                    if (watch.initrdFailure != null) {
                        process.destroyForcibly();
                        return new Outcome(userid, Status.FAILED, ipls, "the RO root's initrd failed in IPL " + ipls + ": "
                                + watch.initrdFailure + " (console: " + console + ")");
                    }
                    if (watch.ready && !ready) {
                        ready = true;
                        atReady.run();
                        keep = kept.incrementAndGet() <= settings.keepRunning();
                        if (!keep) {
                            kept.decrementAndGet();
                            LOG.info("the guest of {} is READY after {} IPLs: logging off (SIGNAL SHUTDOWN)", userid, ipls);
                            return new Outcome(userid, Status.READY, ipls, "logged off after READY: " + logoff(process, watch));
                        }
                        LOG.info("the guest of {} is READY after {} IPLs: kept running", userid, ipls);
                    }
                    if (!ready && System.nanoTime() > deadline) {
                        return new Outcome(userid, Status.FAILED, ipls, "no READY within " + settings.bootTimeout().toSeconds()
                                + " s (IPL " + ipls + "; console: " + console + ")");
                    }
                }
                watch.read();
                qemu = null;
                if (probing && !watch.kernelStarted && !halted) {
                    kvmFailed(userid, "QEMU ended with exit code " + process.exitValue() + " before the kernel started");
                    ipls--;
                    continue;
                }
                if (keep) {
                    kept.decrementAndGet();
                    keep = false;
                }
                if (halted) {
                    return new Outcome(userid, ready ? Status.READY : Status.HALTED, ipls, "FORCE");
                }
                if (loggingOff.get() && !ready) {
                    return new Outcome(userid, Status.HALTED, ipls, "SIGNAL SHUTDOWN before READY: "
                            + (watch.poweredOff ? "the guest shut down" : "QEMU ended with exit code " + process.exitValue()));
                }
                if (watch.rebooting && !loggingOff.get()) {
                    LOG.info("the guest of {} rebooted (IPL {} ended): IPL {} from {}", userid, ipls, ipls + 1, Role.ROOT.vaddr());
                    continue;
                }
                String how = watch.poweredOff ? "the guest shut down" : "QEMU ended with exit code " + process.exitValue()
                        + " (" + lastLines(settings.workDirectory().resolve(userid.value() + ".qemu.log"), 3) + "; console: "
                        + console + ")";
                return new Outcome(userid, ready ? Status.READY : Status.FAILED, ipls, how);
            }
        }

        private GuestDisk disk(List<GuestDisk> disks, Role role) {
            return disks.stream().filter(d -> d.vaddr().equals(role.vaddr())).findFirst()
                    .orElseThrow(() -> new GuestRuntimeException(userid + " has no disk " + role.vaddr() + " (" + role
                            + ") in its directory entry: it cannot boot", false));
        }

        /** The guest's subnet and gateway from its NAMES entry on its 191. */
        private Network network(GuestDisk config) throws IOException {
            NamesEntry entry;
            try (EdfFileSystem disk = EdfFileSystem.open(config.region())) {
                entry = NamesFile.read(disk, CloneLayout.NAMES_FILE).resolve(userid.value()).orElseThrow(() ->
                        new GuestRuntimeException(userid + " has no entry in " + CloneLayout.NAMES_FILE.nameAndType() + " on its "
                                + Role.CONFIG.vaddr(), false));
            }
            String address = entry.get("ipaddr").orElseThrow(() -> new GuestRuntimeException("the NAMES entry of " + userid
                    + " has no :ipaddr.: its private network cannot be set up", false));
            int prefix;
            if (entry.get("prefix").isPresent()) {
                prefix = Integer.parseInt(entry.get("prefix").get().trim());
            } else {
                prefix = Integer.bitCount((int) ipv4(entry.get("netmask").orElse("255.255.255.0")));
            }
            long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
            long net = ipv4(address) & mask;
            return new Network(dotted(net) + "/" + prefix, entry.get("gateway").orElse(null), net, mask, macAddress(userid, entry));
        }

        /**
         * The guest's own agent.properties, read from its root disk: {@code /etc}, or on a root prepared for RO root
         * (whose /etc is a link to /initrd/etc) the initrd's files kept in {@link CloneLayout#INITRD_TREE}.
         */
        private Properties agentProperties(GuestDisk root, boolean preparedForRoRoot) throws IOException {
            String file = (preparedForRoRoot ? CloneLayout.INITRD_TREE : "") + AgentConfig.DEFAULT_PATH;
            HostTool.Result result = HostTool.run(List.of("debugfs", "-R", "cat " + file, debugfsDevice(root.region())),
                    TOOL_TIMEOUT);
            if (!result.ok() || result.stdout().isEmpty()) {
                throw new GuestRuntimeException("cannot read " + file + " on " + userid + "'s root disk " + root.region() + ": "
                        + result.describe() + " (is it a clone of the bootable master?)", false);
            }
            Properties properties = new Properties();
            properties.load(new java.io.StringReader(result.stdout()));
            return properties;
        }

        /** The broker to forward, after checking the guest's agent sends where the farm listens. */
        private GuestBroker checkBroker(Properties agent, Network network) {
            String prefix = agent.getProperty(AgentConfig.TOPIC_PREFIX, "").trim();
            if (!prefix.isEmpty() && !prefix.equals(settings.topicPrefix())) {
                throw new GuestRuntimeException("the agent of " + userid + " sends to topic prefix '" + prefix + "' (its "
                        + AgentConfig.DEFAULT_PATH + "), the farm uses '" + settings.topicPrefix() + "'", false);
            }
            GuestBroker broker = settings.broker();
            if (broker == null) {
                return null;
            }
            String servers = agent.getProperty(AgentConfig.BOOTSTRAP_SERVERS, "").trim();
            if (!servers.equals(broker.advertised())) {
                throw new GuestRuntimeException("the agent of " + userid + " sends to bootstrap.servers='" + servers + "' (its "
                        + AgentConfig.DEFAULT_PATH + "); the farm's broker listens for guests at " + broker.advertised(), false);
            }
            if ((ipv4(broker.host()) & network.mask()) != network.address()) {
                throw new GuestRuntimeException("the guests' broker address " + broker.advertised() + " is outside "
                        + userid + "'s network " + network.cidr() + ": its private network cannot forward it", false);
            }
            return broker;
        }

        /** The newest kernel in the root disk's /boot and its initrd, copied out with debugfs. */
        private Kernel kernel(GuestDisk root, Path bootDir) throws IOException {
            String device = debugfsDevice(root.region());
            HostTool.Result listing = HostTool.run(List.of("debugfs", "-R", "ls -p /boot", device), TOOL_TIMEOUT);
            String version = null;
            for (String line : listing.stdout().split("\n")) {
                String[] fields = line.split("/");
                if (fields.length > 5 && fields[5].startsWith("vmlinuz-")) {
                    String candidate = fields[5].substring("vmlinuz-".length());
                    if (version == null || compareVersions(candidate, version) > 0) {
                        version = candidate;
                    }
                }
            }
            if (version == null) {
                throw new GuestRuntimeException(userid + "'s root disk " + Role.ROOT.vaddr() + " has no /boot/vmlinuz-*: nothing to IPL ("
                        + listing.describe() + ")", false);
            }
            Path kernel = bootDir.resolve("vmlinuz");
            Path initrd = bootDir.resolve("initrd.img");
            Files.deleteIfExists(kernel);
            Files.deleteIfExists(initrd);
            HostTool.checkOutput(List.of("debugfs", "-R", "dump /boot/vmlinuz-" + version + " " + kernel, device), TOOL_TIMEOUT);
            HostTool.checkOutput(List.of("debugfs", "-R", "dump /boot/initrd.img-" + version + " " + initrd, device), TOOL_TIMEOUT);
            if (!Files.isRegularFile(kernel) || Files.size(kernel) == 0 || !Files.isRegularFile(initrd) || Files.size(initrd) == 0) {
                throw new GuestRuntimeException(userid + "'s root disk has no readable kernel and initrd " + version, false);
            }
            return new Kernel(version, kernel, initrd);
        }

        private Process start(List<GuestDisk> disks, Network network, GuestBroker broker, Kernel kernel, Path console,
                Accel accel) throws IOException {
            Path qmp = qmpSocket(settings.workDirectory(), userid);
            QemuMonitor.checkPath(qmp);
            if (!Files.isDirectory(qmp.getParent())) {
                Files.createDirectories(qmp.getParent(), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            }
            Files.deleteIfExists(qmp);
            List<String> argv = new ArrayList<>(List.of(QEMU, "-name", "guest=" + userid + ",process=clonefarm-" + userid,
                    "-machine", "q35", "-accel", accel.name().toLowerCase(Locale.ROOT), "-m", Integer.toString(settings.memoryMib()),
                    "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                    "-pidfile", pidFile(settings.workDirectory(), userid).toString(),
                    // SIGNAL SHUTDOWN goes through it (QemuMonitor); wait=off: QEMU does not wait for a client
                    "-qmp", "unix:" + escape(qmp.toString()) + ",server=on,wait=off",
                    "-chardev", "file,id=console,path=" + escape(console.toString()) + ",append=on", "-serial", "chardev:console",
                    "-smbios", "type=1,manufacturer=clonefarm,product=z/VM guest,serial=" + userid + ",family=" + system.session(userid).queryUserid().system(),
                    "-kernel", kernel.kernel().toString(), "-initrd", kernel.initrd().toString(),
                    "-append", "root=" + deviceName(Role.ROOT.vaddr()) + " ro console=ttyS0,115200 net.ifnames=0 panic=-1"
                            // systemd's status lines name the units (not their descriptions, cut at 80 columns): the
                            // runtime sees READY in them
                            + " systemd.status_unit_format=name"));
            for (GuestDisk disk : disks) {
                String node = "disk" + disk.vaddr();
                argv.add("-blockdev");
                argv.add("{\"driver\":\"raw\",\"node-name\":\"" + node + "\",\"offset\":" + disk.region().offset() + ",\"size\":"
                        + disk.region().length() + ",\"read-only\":" + disk.readOnly() + ",\"file\":{\"driver\":\"file\","
                        + "\"filename\":\"" + json(disk.region().path().toAbsolutePath().toString()) + "\",\"locking\":\"off\","
                        + "\"read-only\":" + disk.readOnly() + "}}");
                argv.add("-device");
                argv.add("virtio-blk-pci,drive=" + node + ",serial=" + disk.vaddr());
            }
            StringBuilder net = new StringBuilder("user,id=net0,restrict=on,net=" + network.cidr());
            if (network.gateway() != null) {
                net.append(",host=").append(network.gateway());
            }
            if (broker != null) {
                net.append(",guestfwd=tcp:").append(broker.advertised()).append("-tcp:127.0.0.1:").append(broker.hostPort());
            }
            argv.addAll(List.of("-netdev", net.toString(), "-device", "virtio-net-pci,netdev=net0,mac=" + network.mac()));
            Path log = settings.workDirectory().resolve(userid.value() + ".qemu.log");
            Files.writeString(log, "== " + java.time.Instant.now() + " IPL " + ipls + " (" + accel + "): " + String.join(" ", argv)
                    + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            LOG.info("IPL {} of {}: kernel {} from {}, {}", ipls, userid, kernel.version(), Role.ROOT.vaddr(), accel);
            try {
                return new ProcessBuilder(argv).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            } catch (IOException e) {
                throw new GuestRuntimeException("cannot start " + QEMU + " for " + userid + ": " + e.getMessage()
                        + " (install the package qemu-system-x86)", false, e);
            }
        }
    }

    /** The guest's private network: its subnet (CIDR), gateway (or null), address and mask as numbers. */
    private record Network(String cidr, String gateway, long address, long mask, String mac) {
    }

    /** The kernel and initrd one IPL boots. */
    private record Kernel(String version, Path kernel, Path initrd) {
    }

    /** Reads the console file of one IPL as it grows and notes what the guest said. Single-threaded. */
    private static final class ConsoleWatch {
        private final Path file;
        private long position;
        private final StringBuilder partial = new StringBuilder();
        boolean kernelStarted;
        boolean ready;
        boolean finalizeFailed;
        /** What the RO root's initrd script said when it failed, or null. */
        String initrdFailure;
        boolean rebooting;
        boolean poweredOff;

        ConsoleWatch(Path file, long start) {
            this.file = file;
            this.position = start;
        }

        void read() throws IOException {
            try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
                long length = in.length();
                if (length <= position) {
                    return;
                }
                byte[] bytes = new byte[(int) Math.min(length - position, 1 << 20)];
                in.seek(position);
                in.readFully(bytes);
                position += bytes.length;
                partial.append(new String(bytes, StandardCharsets.ISO_8859_1));
            }
            int newline;
            while ((newline = partial.indexOf("\n")) >= 0) {
                line(partial.substring(0, newline));
                partial.delete(0, newline + 1);
            }
        }

        private void line(String line) {
            if (line.contains(KERNEL_STARTS)) {
                kernelStarted = true;
            }
            if (line.contains(READY_MARKER)) {
                ready = true;
            } else if (line.contains("Failed to start") && line.contains(FINALIZE_UNIT)) {
                finalizeFailed = true;
            } else if (line.contains(INITRD_FAILED)) {
                initrdFailure = line.substring(line.indexOf(INITRD_FAILED) + INITRD_FAILED.length()).trim();
            } else if (line.contains(REBOOTING)) {
                rebooting = true;
            } else if (line.contains(POWERED_OFF)) {
                poweredOff = true;
            }
        }
    }

    /** The number of kernel boots a console shows ({@code Linux version} lines). */
    public static int kernelBoots(String console) {
        int count = 0;
        for (int i = console.indexOf(KERNEL_STARTS); i >= 0; i = console.indexOf(KERNEL_STARTS, i + 1)) {
            count++;
        }
        return count;
    }

    /**
     * Whether the root file system in {@code root} is prepared for RO root ({@code master prepare apply --profile
     * ro-root}): its /etc is a link to /initrd/etc, whose files the initramfs serves at every boot. Read with debugfs,
     * nothing mounted.
     *
     * @throws IOException when debugfs cannot run or cannot read the file system
     */
    public static boolean preparedForRoRoot(FileRegion root) throws IOException {
        HostTool.Result result = HostTool.run(List.of("debugfs", "-R", "stat /etc", debugfsDevice(root)), TOOL_TIMEOUT);
        if (!result.ok() || !result.stdout().contains("Type:")) {
            throw new IOException("cannot read /etc of the root file system in " + root + ": " + result.describe());
        }
        return result.stdout().contains("Type: symlink") && result.stdout().contains(CloneLayout.INITRD_MOUNT + "/etc");
    }

    /** debugfs opens a region of a volume image as {@code PATH?offset=N} (e2fsprogs' unix I/O option). */
    private static String debugfsDevice(FileRegion region) {
        return region.path().toAbsolutePath() + "?offset=" + region.offset();
    }

    private static Optional<Long> livePid(Path pidFile) {
        try {
            if (!Files.isRegularFile(pidFile)) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).trim());
            Optional<ProcessHandle> process = ProcessHandle.of(pid);
            if (process.isEmpty() || !process.get().isAlive()) {
                return Optional.empty();
            }
            String commandLine = process.get().info().commandLine().orElse("");
            return commandLine.contains(QEMU) && commandLine.contains(pidFile.toString()) ? Optional.of(pid) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Kills the QEMUs a SIGKILLed runtime left in this work directory (found by their pid files). */
    private static void killLeftovers(Path workDirectory) throws IOException {
        try (var files = Files.list(workDirectory)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".qemu.pid")).toList()) {
                Optional<Long> pid = livePid(file);
                if (pid.isPresent()) {
                    ProcessHandle.of(pid.get()).ifPresent(p -> {
                        LOG.warn("killing QEMU {} ({}), left by an earlier run that was killed", p.pid(), file.getFileName());
                        p.destroyForcibly();
                        p.onExit().join();
                    });
                }
                Files.deleteIfExists(file);
            }
        }
    }

    private static String lastLines(Path log, int count) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - count), lines.size()));
        } catch (IOException e) {
            return "no QEMU log: " + e.getMessage();
        }
    }

    private static long ipv4(String dotted) {
        String[] parts = dotted.trim().split("\\.");
        if (parts.length != 4) {
            throw new GuestRuntimeException("'" + dotted + "' is not an IPv4 address", false);
        }
        long value = 0;
        for (String part : parts) {
            value = (value << 8) | Integer.parseInt(part);
        }
        return value;
    }

    private static String dotted(long address) {
        return ((address >> 24) & 255) + "." + ((address >> 16) & 255) + "." + ((address >> 8) & 255) + "." + (address & 255);
    }

    private static int compareVersions(String a, String b) {
        String[] x = a.split("[.-]");
        String[] y = b.split("[.-]");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = x[i].matches("\\d+") && y[i].matches("\\d+") ? Long.compare(Long.parseLong(x[i]), Long.parseLong(y[i]))
                    : x[i].compareTo(y[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    /** QEMU's option syntax: a comma in a value is written twice. */
    private static String escape(String value) {
        return value.replace(",", ",,");
    }

    private static String json(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
