package org.clonefarm.platform.simulation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;
import org.clonefarm.platform.allocation.ExtentControl;
import org.clonefarm.platform.cp.Cp;
import org.clonefarm.platform.cp.CpException;
import org.clonefarm.platform.cp.CpReply;
import org.clonefarm.platform.cp.GuestRuntime;
import org.clonefarm.platform.cp.LinkResult;
import org.clonefarm.platform.cp.LinkedMinidisk;
import org.clonefarm.platform.cp.UseridReply;
import org.clonefarm.platform.cp.VirtualDasd;
import org.clonefarm.platform.simulation.internal.CpState;
import org.clonefarm.platform.simulation.internal.ExtentClone;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.directory.MdiskLocation;
import org.clonefarm.platform.directory.MdiskStatement;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.io.DurableFiles;
import org.clonefarm.platform.io.FileLocks;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.platform.simulation.SimulationException;

/**
 * The simulated CP of the local simulation, over a {@link SimulationDataDirectory}: which users are logged
 * on and which minidisks each user has linked, shared by every process on the data directory, and a
 * {@link Session} per user (that user's {@link Cp}).
 *
 * <p><b>State.</b> CP's state lives in {@code <data>/cp/state} ({@link #stateFile()}), replaced
 * atomically and durably (temp file, fsync, rename, fsync of the directory) by every command that
 * changes it. Each command reads, changes and writes it holding an exclusive {@link FileLock} on
 * {@code <data>/cp/lock} and, since a file lock is held per JVM, an in-JVM lock per data directory:
 * the coordinator, worker processes and {@code clonefarm zvm vmcp} see one CP. Links are durable, as on
 * z/VM: a worker killed with its links keeps them until it (or its successor) detaches them. A logon
 * records the process that runs the guest (pid and start time), since a guest dies with its runtime:
 * a logon whose process is gone is dropped, with every link that user held, when the state is next read.
 *
 * <ul>
 *   <li>LINK grants read-only or read-write access as CP's link-mode rules do ({@link LinkMode#grant}):
 *       RR is always read-only, a second writer is refused for M and W, MR and WR fall back to
 *       read-only. A logged-on owner holds its own minidisks in its directory mode, as CP does at logon.
 *       What a user linked, with its bytes, is {@link #linked(Userid, Vaddr)}.</li>
 *   <li>XAUTOLOG marks the user logged on by this process, links its minidisks, and hands the userid to
 *       the {@link GuestRuntime}; FORCE halts the guest and drops all its links. A system made with
 *       {@link #withoutGuests} (a worker, the vmcp command) runs no guests: its XAUTOLOG fails, and it
 *       cannot FORCE a guest another process runs.</li>
 *   <li>FLASHCOPY shares the source extent with the target through {@code FICLONERANGE} where the
 *       volume images' file system can (XFS with reflink, btrfs); elsewhere it answers
 *       {@link CpException.Kind#FLASHCOPY_UNAVAILABLE}, as CP does on storage without the feature.</li>
 *   <li>A V-DISK is a sparse file {@code <data>/vdisks/<USERID>-<VADDR>.img}, created empty at its
 *       first link (the owner's logon, or another user's LINK) and deleted when its last link goes,
 *       as CP keeps a V-DISK only while someone uses it.</li>
 *   <li>Errors carry the HCP message ids of ZVM.md where it documents them (HCPLNM053E,
 *       HCPQVD040E, HCPDTV040E, HCPCQU045E); the link-conflict ids HCPLNM104E/105E, "device
 *       already defined" HCPLNM024E and "already logged on" HCPLGA054E are from memory and
 *       unverified, and the FLASHCOPY ids are made up (see {@link Session#flashcopy}). Callers should
 *       act on {@link CpException#kind()}, not on the id.</li>
 * </ul>
 *
 * <p>Thread-safe and process-safe as above; the guest runtime is called outside the locks. The CP
 * directory is re-read when its file changes.
 */
public final class SimulatedCp implements AutoCloseable {
    /** How long a command waits for another process's use of the state to end. */
    private static final java.time.Duration LOCK_TIMEOUT = java.time.Duration.ofSeconds(60);

    /** The system name the simulation's tools use when none is given. */
    public static final String DEFAULT_SYSTEM_NAME = "ZVMSIM";

    /** FLASHCOPY's success reply (ZVM-LINUX.md: xCAT checks for it). */
    static final String FLASHCOPY_COMPLETE = "Command complete";
    /** Made-up id of the simulation's "this storage cannot FLASHCOPY" answer (no documented id found). */
    static final String FLASHCOPY_UNAVAILABLE_ID = "HCPFLC999E";

    private static final ConcurrentMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    /**
     * Per data directory, the state file's text as this JVM last read or wrote it, with its parsed form
     * (never changed: transactions change a {@link CpState#copy()}). A transaction whose file still holds
     * that text skips the parse, which grows with every logon and link (hundreds in a batch); another
     * process's write changes the text. Read and replaced only under the data directory's JVM lock.
     */
    private static final ConcurrentMap<Path, StoredState> LAST_STATES = new ConcurrentHashMap<>();

    private record StoredState(String text, CpState state) {
    }

    private final SimulationDataDirectory data;
    private final GuestRuntime runtime;
    private final String systemName;
    /** Users this instance logged on, so {@link #close()} logs them off. */
    private final Set<Userid> booted = ConcurrentHashMap.newKeySet();
    private final long pid = ProcessHandle.current().pid();
    private final long startMillis = startMillis(ProcessHandle.current());
    private UserDirectory directory;
    /** What identified the directory file when it was read: modification time, size and inode. */
    private List<Object> directoryStamp;

    /**
     * @param data the data directory
     * @param runtime what boots and halts guests (this process runs them)
     * @param systemName the name {@code QUERY USERID} reports ({@code userid AT systemName})
     */
    public SimulatedCp(SimulationDataDirectory data, GuestRuntime runtime, String systemName) {
        this(data, Objects.requireNonNull(runtime, "runtime"), systemName, true);
    }

    private SimulatedCp(SimulationDataDirectory data, GuestRuntime runtime, String systemName, boolean unused) {
        this.data = Objects.requireNonNull(data, "data");
        this.runtime = runtime;
        this.systemName = Objects.requireNonNull(systemName, "systemName");
    }

    /**
     * The CP of a process that runs no guests (a worker, {@code clonefarm zvm vmcp}): LINK, QUERY, DETACH
     * and FLASHCOPY work; XAUTOLOG fails (rc 1, no message id: the process cannot start a guest), FORCE
     * works only on a user whose guest process is gone.
     */
    public static SimulatedCp withoutGuests(SimulationDataDirectory data, String systemName) {
        return new SimulatedCp(data, null, systemName, false);
    }

    /** The data directory this system runs on. */
    public SimulationDataDirectory data() {
        return data;
    }

    /** {@code <data>/cp/state}: the shared state of the simulated CP. */
    public Path stateFile() {
        return data.root().resolve("cp").resolve("state");
    }

    /** {@code <data>/cp/lock}: locked by whoever reads or changes the state. */
    Path lockFile() {
        return data.root().resolve("cp").resolve("lock");
    }

    /** The CP of virtual machine {@code self}: commands issued as that user. */
    public Session session(Userid self) {
        return new Session(Objects.requireNonNull(self, "self"));
    }

    /**
     * Whether {@code userid} is logged on (its guest's process still running).
     *
     * @throws SimulationException when the state file cannot be read
     */
    public boolean isLoggedOn(Userid userid) {
        return unchecked(() -> transact("Q " + userid, state -> state.logon(userid).isPresent()));
    }

    /**
     * The users logged on, sorted.
     *
     * @throws SimulationException when the state file cannot be read
     */
    public Set<Userid> loggedOn() {
        return unchecked(() -> transact("Q NAMES", state -> {
            Set<Userid> users = new TreeSet<>();
            state.logons().forEach(l -> users.add(l.userid()));
            return users;
        }));
    }

    /**
     * The minidisk {@code user} has linked at {@code vdev} (or owns there while logged on) with its bytes;
     * empty when nothing is linked there.
     */
    public Optional<LinkedMinidisk> linked(Userid user, Vaddr vdev) throws CpException {
        return transact("Q V " + vdev, state -> state.link(user, vdev)
                .map(l -> new LinkedMinidisk(l.owner(), l.vaddr(), l.deviceType(), l.region(), l.write())));
    }

    /**
     * Marks {@code userid} logged off and drops its links (the guest stopped by itself, or FORCE).
     * Does nothing for a user that is not logged on.
     *
     * @throws SimulationException when the state file cannot be written
     */
    public void logoff(Userid userid) {
        booted.remove(userid);
        unchecked(() -> transact("LOGOFF " + userid, state -> {
            if (state.logon(userid).isPresent()) {
                state.logoff(userid);
            }
            return null;
        }));
    }

    @FunctionalInterface
    private interface CpCall<T> {
        T call() throws CpException;
    }

    /** For the methods outside the {@link Cp} interface: a state-file failure as a {@link SimulationException}. */
    private static <T> T unchecked(CpCall<T> call) {
        try {
            return call.call();
        } catch (CpException e) {
            throw new SimulationException(e.getMessage(), e);
        }
    }

    /**
     * Logs off the users this instance logged on (their guests die with this process); the guests are
     * not halted. Links of users that are not logged on stay, as on z/VM.
     */
    @Override
    public void close() {
        for (Userid userid : new ArrayList<>(booted)) {
            try {
                logoff(userid);
            } catch (SimulationException e) {
                // the logon names this process: the next reader drops it once the process is gone
                System.getLogger(SimulatedCp.class.getName()).log(System.Logger.Level.WARNING, "cannot log off " + userid, e);
            }
        }
    }

    /** A change of CP's state; may throw a CP error, and then nothing is written. */
    @FunctionalInterface
    private interface StateChange<T> {
        T apply(CpState state) throws CpException;
    }

    /**
     * Runs {@code change} on the current state under both locks and writes the state back if it
     * changed; V-DISK images no link refers to any more are deleted afterwards. Never nested.
     */
    private <T> T transact(String command, StateChange<T> change) throws CpException {
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(data.root(), root -> new ReentrantLock());
        jvmLock.lock();
        try {
            Files.createDirectories(stateFile().getParent());
            try (FileChannel lockChannel = FileChannel.open(lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = FileLocks.acquire(lockChannel, LOCK_TIMEOUT)) {
                String stored = readStateText();
                StoredState last = LAST_STATES.get(data.root());
                CpState before = last != null && last.text().equals(stored) ? last.state() : parseState(command, stored);
                CpState state = before.copy();
                for (CpState.Logon logon : state.logons()) {
                    if (!processRuns(logon)) {
                        state.logoff(logon.userid());
                    }
                }
                T result;
                try {
                    result = change.apply(state);
                } catch (CpException | RuntimeException e) {
                    deleteUnlinkedVdisks(vdiskImages(before), command, e);
                    throw e;
                }
                if (!state.changed()) {
                    if (last == null || before != last.state()) {
                        LAST_STATES.put(data.root(), new StoredState(stored, before));
                    }
                    return result;
                }
                String text = state.format(data.root());
                DurableFiles.replace(stateFile(), text.getBytes(StandardCharsets.UTF_8));
                LAST_STATES.put(data.root(), new StoredState(text, state));
                Set<Path> unlinked = vdiskImages(before);
                unlinked.removeAll(vdiskImages(state));
                for (Path image : unlinked) {
                    deleteVdisk(image);
                }
                return result;
            }
        } catch (IOException e) {
            throw new CpException(CpException.Kind.FAILED, command, "cannot read or write the simulated CP's state "
                    + stateFile() + " (lock " + lockFile() + "); check that the data directory is writable", e);
        } finally {
            jvmLock.unlock();
        }
    }

    private String readStateText() throws IOException {
        try {
            return Files.readString(stateFile(), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        }
    }

    private CpState parseState(String command, String text) throws CpException {
        try {
            return CpState.parse(text, data.root());
        } catch (IllegalArgumentException e) {
            throw new CpException(CpException.Kind.FAILED, command, "the simulated CP's state " + stateFile() + " is damaged: "
                    + e.getMessage() + "; stop the farm's processes and delete it (every link and logon is then forgotten)", e);
        }
    }

    private static Set<Path> vdiskImages(CpState state) {
        Set<Path> images = new HashSet<>();
        for (CpState.Link link : state.links()) {
            if (link.vdisk()) {
                images.add(link.region().path());
            }
        }
        return images;
    }

    /** After a failed change: V-DISK images it created that no stored link refers to. */
    private void deleteUnlinkedVdisks(Set<Path> linked, String command, Exception failure) {
        Path dir = data.root().resolve("vdisks");
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var images = Files.list(dir)) {
            images.filter(p -> !linked.contains(p)).forEach(this::deleteVdisk);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    private void deleteVdisk(Path image) {
        try {
            Files.deleteIfExists(image);
        } catch (IOException e) {
            // a stale V-DISK file is recreated empty at the next first link; nothing reads it before
            System.getLogger(SimulatedCp.class.getName()).log(System.Logger.Level.WARNING, "cannot delete V-DISK image " + image, e);
        }
    }

    /** Whether the process that runs a logged-on guest still runs (the same process: same pid and start time). */
    private boolean processRuns(CpState.Logon logon) {
        if (logon.pid() == pid) {
            return true;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(logon.pid());
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return false;
        }
        long started = startMillis(handle.get());
        // a reused pid starts later; allow for the rounding of the kernel's start time in clock ticks
        return logon.startMillis() < 0 || started < 0 || Math.abs(started - logon.startMillis()) < 1000;
    }

    private static long startMillis(ProcessHandle process) {
        return process.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    }

    /**
     * The CP directory as this system last read it; read again when its file changed (modification time,
     * size and inode). Shared with this system's commands: the caller must not change it (to change the
     * directory, read it with {@link SimulationDataDirectory#readDirectory()}).
     *
     * @throws SimulationException when the directory file cannot be read or parsed
     */
    public UserDirectory directory() {
        return unchecked(() -> directory("DIRECTORY"));
    }

    private synchronized UserDirectory directory(String command) throws CpException {
        try {
            var file = data.directoryFile();
            List<Object> stamp;
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                stamp = Arrays.asList(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
            } catch (NoSuchFileException e) {
                directory = UserDirectory.empty();
                directoryStamp = null;
                return directory;
            }
            // the directory is replaced by rename, so a new version has a new inode even within one clock tick
            if (directory == null || !stamp.equals(directoryStamp)) {
                directory = UserDirectory.read(file);
                directoryStamp = stamp;
            }
            return directory;
        } catch (IOException | RuntimeException e) {
            throw new CpException(CpException.Kind.FAILED, command, "cannot read the CP directory " + data.directoryFile(), e);
        }
    }

    private static CpException error(CpException.Kind kind, String command, int rc, String messageId, String text) {
        return new CpException(kind, command, rc, messageId, messageId + " " + text);
    }

    /** Grants access to {@code owner vaddr} for {@code user}, or explains the refusal. */
    private static boolean grant(CpState state, String command, Userid user, Userid owner, Vaddr vaddr, LinkMode mode)
            throws CpException {
        boolean otherLinks = false;
        Userid writer = null;
        Userid reader = null;
        for (CpState.Link link : state.links()) {
            if (link.user().equals(user) || !link.owner().equals(owner) || !link.vaddr().equals(vaddr)) {
                continue;
            }
            otherLinks = true;
            if (link.write()) {
                writer = link.user();
            } else {
                reader = link.user();
            }
        }
        var granted = mode.grant(otherLinks, writer != null);
        if (granted.isEmpty()) {
            if (writer != null) {
                throw error(CpException.Kind.LINK_CONFLICT, command, 104, "HCPLNM104E", owner + " " + vaddr + " not linked; R/W by " + writer);
            }
            throw error(CpException.Kind.LINK_CONFLICT, command, 105, "HCPLNM105E", owner + " " + vaddr + " not linked; R/O by " + reader);
        }
        return granted.get();
    }

    private CpState.Link attach(CpState state, String command, UserDirectory dir, Userid user, Userid owner, Vaddr vaddr,
            Vaddr myVaddr, LinkMode mode) throws CpException {
        if (dir.entry(owner).filter(e -> !e.isProfile()).isEmpty()) {
            throw error(CpException.Kind.NOT_IN_DIRECTORY, command, 53, "HCPLNM053E", owner + " not in CP directory");
        }
        MdiskStatement mdisk = dir.minidisk(owner, vaddr).orElseThrow(() -> error(CpException.Kind.NO_SUCH_DEVICE, command, 40,
                "HCPDTV040E", "Device " + vaddr + " does not exist"));
        boolean vdisk = mdisk.location() instanceof MdiskLocation.VDisk;
        if (!vdisk && !(mdisk.location() instanceof MdiskLocation.OnVolume)) {
            throw new CpException(CpException.Kind.FAILED, command, -1, null, owner + " " + vaddr
                    + " is a T-DISK or DEVNO minidisk; the simulation has only minidisks on volumes and V-DISKs");
        }
        if (state.link(user, myVaddr).isPresent()) {
            throw error(CpException.Kind.DEVICE_IN_USE, command, 24, "HCPLNM024E", "Device " + myVaddr + " already defined");
        }
        boolean write = grant(state, command, user, owner, vaddr, mode);
        FileRegion region;
        try {
            if (vdisk) {
                region = createVdisk(owner, vaddr, ((MdiskLocation.VDisk) mdisk.location()).blocks());
            } else {
                ExtentControl control = data.readExtentControl();
                region = data.resolve(dir, control.volumes(), owner, vaddr);
            }
        } catch (IOException | SimulationException e) {
            throw new CpException(CpException.Kind.FAILED, command, "cannot find the bytes of " + owner + " " + vaddr, e);
        }
        CpState.Link link = new CpState.Link(user, myVaddr, owner, vaddr, mode, write, mdisk.deviceType(),
                vdisk ? CpState.VDISK_VOLID : mdisk.volid().orElseThrow(), region);
        state.putLink(link);
        return link;
    }

    /** The V-DISK's image, created empty (sparse) when it does not exist yet: CP creates a V-DISK at its first link. */
    private FileRegion createVdisk(Userid owner, Vaddr vaddr, long blocks) throws IOException {
        Path image = data.vdiskImage(owner, vaddr);
        long bytes = DeviceType.FB_512.toBytes(blocks);
        if (!Files.exists(image)) {
            Files.createDirectories(image.getParent());
            try (FileChannel channel = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(new byte[1]), bytes - 1);
            }
        }
        return new FileRegion(image, 0, bytes);
    }

    private static VirtualDasd virtualDasd(CpState.Link link) {
        boolean ckd = link.deviceType() == DeviceType.DASD_3390;
        long units = link.region().length() / link.deviceType().bytesPerUnit();
        return new VirtualDasd(link.vdev(), ckd ? "3390" : "9336", link.volid(), link.write(), units, ckd,
                link.vdisk() ? "VDSK" : "LOCAL");
    }

    /**
     * One virtual machine's CP: commands run as {@code self}. Thread-safe (state lives in the
     * {@link SimulatedCp}'s state file).
     */
    public final class Session implements Cp {

        private final Userid self;

        private Session(Userid self) {
            this.self = self;
        }

        /** The user this session acts as. */
        public Userid self() {
            return self;
        }

        /** The system this session belongs to. */
        public SimulatedCp system() {
            return SimulatedCp.this;
        }

        @Override
        public UseridReply queryUserid() {
            return new UseridReply(self, systemName);
        }

        @Override
        public VirtualDasd queryVirtualDasd(Vaddr vaddr) throws CpException {
            String command = "Q V " + vaddr;
            return transact(command, state -> virtualDasd(state.link(self, vaddr).orElseThrow(() -> error(
                    CpException.Kind.NO_SUCH_DEVICE, command, 40, "HCPQVD040E", "Device " + vaddr + " does not exist"))));
        }

        @Override
        public LinkResult link(Userid owner, Vaddr vaddr, Vaddr myVaddr, LinkMode mode) throws CpException {
            String command = "LINK " + owner + " " + vaddr + " " + myVaddr + " " + mode;
            UserDirectory dir = directory(command);
            return transact(command, state -> new LinkResult(owner, vaddr, myVaddr, mode,
                    attach(state, command, dir, self, owner, vaddr, myVaddr, mode).write()));
        }

        /** What this user has linked at {@code vdev}, with its bytes ({@link SimulatedCp#linked}). */
        public Optional<LinkedMinidisk> linked(Vaddr vdev) throws CpException {
            return SimulatedCp.this.linked(self, vdev);
        }

        @Override
        public List<VirtualDasd> queryVirtualDasds() throws CpException {
            return transact("Q V DASD", state -> state.links(self).stream().map(SimulatedCp::virtualDasd).toList());
        }

        /**
         * {@inheritDoc}
         *
         * <p>In the simulation: both vdevs must be linked by this user ({@code HCPDTV040E} otherwise), the
         * target R/W, of the same device type and at least as large as the source (otherwise
         * {@link CpException.Kind#FAILED}: the command is wrong, copying the bytes another way would fail
         * too). Then the source's extent is shared onto the target's with {@code FICLONERANGE}; where the
         * volume images' file system cannot (ext4, tmpfs: EOPNOTSUPP; images on two file systems: EXDEV;
         * an extent not aligned to the file system's block, as FB-512 extents may be: EINVAL) the answer is
         * {@link CpException.Kind#FLASHCOPY_UNAVAILABLE} with the made-up id {@value #FLASHCOPY_UNAVAILABLE_ID}
         * (no documented id was found for "the storage cannot FLASHCOPY") and the errno. Success replies
         * {@value #FLASHCOPY_COMPLETE}; the copy is complete then (no background copy).
         */
        @Override
        public CpReply flashcopy(Vaddr source, Vaddr target) throws CpException {
            String command = "FLASHCOPY " + source + " 0 END TO " + target + " 0 END SYNC";
            return transact(command, state -> {
                CpState.Link from = state.link(self, source).orElseThrow(() -> error(CpException.Kind.NO_SUCH_DEVICE, command, 40,
                        "HCPDTV040E", "Device " + source + " does not exist"));
                CpState.Link to = state.link(self, target).orElseThrow(() -> error(CpException.Kind.NO_SUCH_DEVICE, command, 40,
                        "HCPDTV040E", "Device " + target + " does not exist"));
                if (!to.write()) {
                    throw new CpException(CpException.Kind.FAILED, command, 1, null, "target " + target
                            + " is linked R/O; LINK it with mode MR or M to FLASHCOPY onto it");
                }
                if (from.deviceType() != to.deviceType()) {
                    throw new CpException(CpException.Kind.FAILED, command, 1, null, "source " + source + " is "
                            + from.deviceType().directoryName() + " and target " + target + " is " + to.deviceType().directoryName()
                            + "; FLASHCOPY needs two devices of one type");
                }
                if (to.region().length() < from.region().length()) {
                    throw new CpException(CpException.Kind.FAILED, command, 1, null, "target " + target + " ("
                            + to.region().length() + " bytes) is smaller than source " + source + " (" + from.region().length()
                            + " bytes)");
                }
                try {
                    ExtentClone.cloneRange(from.region(), new FileRegion(to.region().path(), to.region().offset(),
                            from.region().length()));
                } catch (ExtentClone.CloneUnsupportedException e) {
                    throw new CpException(CpException.Kind.FLASHCOPY_UNAVAILABLE, command, 1, FLASHCOPY_UNAVAILABLE_ID,
                            FLASHCOPY_UNAVAILABLE_ID + " FLASHCOPY " + source + " TO " + target
                                    + " not supported by the storage: " + e.getMessage());
                } catch (IOException e) {
                    throw new CpException(CpException.Kind.FAILED, command, "cannot FLASHCOPY " + from.region() + " onto "
                            + to.region(), e);
                }
                return new CpReply(command, List.of(FLASHCOPY_COMPLETE));
            });
        }

        @Override
        public CpReply detach(Vaddr vaddr) throws CpException {
            String command = "DETACH " + vaddr;
            return transact(command, state -> {
                state.removeLink(self, vaddr).orElseThrow(() -> error(CpException.Kind.NO_SUCH_DEVICE, command, 40, "HCPDTV040E",
                        "Device " + vaddr + " does not exist"));
                return new CpReply(command, List.of("DASD " + vaddr + " DETACHED"));
            });
        }

        @Override
        public CpReply xautolog(Userid userid) throws CpException {
            String command = "XAUTOLOG " + userid;
            UserDirectory dir = directory(command);
            List<String> lines = new ArrayList<>(List.of("Command accepted"));
            int users = transact(command, state -> {
                DirectoryEntry entry = dir.entry(userid).filter(e -> !e.isProfile()).orElseThrow(() -> error(
                        CpException.Kind.NOT_IN_DIRECTORY, command, 53, "HCPLNM053E", userid + " not in CP directory"));
                if (state.logon(userid).isPresent()) {
                    throw error(CpException.Kind.ALREADY_LOGGED_ON, command, 54, "HCPLGA054E", userid + " already logged on");
                }
                if (runtime == null) {
                    throw new CpException(CpException.Kind.FAILED, command, 1, null, "XAUTOLOG " + userid
                            + ": this process (pid " + pid + ") runs no guests; XAUTOLOG from the process that runs the"
                            + " simulation's guests (the coordinator of clonefarm up)");
                }
                state.putLogon(new CpState.Logon(userid, pid, startMillis));
                for (MdiskStatement mdisk : ownMinidisks(entry)) {
                    LinkMode mode = mdisk.mode() == null ? LinkMode.W : LinkMode.of(mdisk.mode());
                    try {
                        attach(state, command, dir, userid, userid, mdisk.vaddr(), mdisk.vaddr(), mode);
                    } catch (CpException e) {
                        if (e.kind() != CpException.Kind.LINK_CONFLICT) {
                            throw e;
                        }
                        // as CP does: the user logs on without that minidisk, and is told why
                        lines.add(e.getMessage());
                    }
                }
                return state.logons().size();
            });
            booted.add(userid);
            try {
                runtime.boot(userid, SimulatedCp.this);
            } catch (Exception e) {
                CpException failure = new CpException(CpException.Kind.FAILED, command, "the guest of " + userid + " did not start: "
                        + e.getMessage(), e);
                try {
                    logoff(userid);
                } catch (SimulationException suppressed) {
                    failure.addSuppressed(suppressed);
                }
                throw failure;
            }
            lines.add("AUTO LOGON  ***  " + userid + " USERS = " + users);
            return new CpReply(command, lines);
        }

        /**
         * {@inheritDoc}
         *
         * <p>In the simulation the guest is halted by this system's runtime when this process runs it; a
         * guest run by another live process cannot be halted from here (rc 1, no message id: FORCE it from
         * that process, or stop that process, which logs the guest off).
         */
        @Override
        public CpReply force(Userid userid) throws CpException {
            String command = "FORCE " + userid;
            transact(command, state -> {
                CpState.Logon logon = state.logon(userid).orElseThrow(() -> error(CpException.Kind.NOT_LOGGED_ON, command, 45,
                        "HCPCQU045E", userid + " not logged on"));
                if (logon.pid() != pid || runtime == null) {
                    throw new CpException(CpException.Kind.FAILED, command, 1, null, "FORCE " + userid + ": its guest runs in process "
                            + logon.pid() + ", not in this one (pid " + pid + "); FORCE it from that process, or stop that process");
                }
                return null;
            });
            try {
                runtime.halt(userid);
            } catch (Exception e) {
                throw new CpException(CpException.Kind.FAILED, command, "the guest of " + userid + " did not stop: " + e.getMessage(), e);
            } finally {
                logoff(userid);
            }
            int users = loggedOn().size();
            return new CpReply(command, List.of("USER DSC   LOGOFF AS  " + userid + " USERS = " + users + " FORCED BY " + self));
        }
    }

    /** The user's minidisks on volumes and V-DISKs, which it holds while logged on. */
    private static List<MdiskStatement> ownMinidisks(DirectoryEntry entry) {
        List<MdiskStatement> disks = new ArrayList<>();
        for (MdiskStatement mdisk : entry.minidisks()) {
            if (mdisk.location() instanceof MdiskLocation.OnVolume || mdisk.location() instanceof MdiskLocation.VDisk) {
                disks.add(mdisk);
            }
        }
        return disks;
    }
}
