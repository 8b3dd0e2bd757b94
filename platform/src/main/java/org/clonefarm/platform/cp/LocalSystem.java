package org.clonefarm.platform.cp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.clonefarm.platform.allocation.ExtentControl;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.directory.MdiskLocation;
import org.clonefarm.platform.directory.MdiskStatement;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.RegionChannel;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.simulation.LocalDataDirectory;
import org.clonefarm.platform.simulation.SimulationException;

/**
 * The simulated CP of the local simulation, over a {@link LocalDataDirectory}: it keeps which users
 * are logged on and which minidisks each user has linked, and gives each user a {@link Session}
 * (that user's {@link Cp}).
 *
 * <ul>
 *   <li>LINK opens a {@link RegionChannel} on the minidisk's bytes of its volume image, read-only or
 *       read-write as CP's link-mode rules grant ({@link LinkMode#grant}): RR is always read-only, a
 *       second writer is refused for M and W, MR and WR fall back to read-only. A logged-on owner
 *       holds its own minidisks in its directory mode, as CP does at logon.</li>
 *   <li>XAUTOLOG marks the user logged on, links its minidisks, and hands the userid to the
 *       {@link GuestRuntime}; FORCE halts the guest and drops all its links.</li>
 *   <li>A V-DISK is a sparse file {@code <data>/vdisks/<USERID>-<VADDR>.img}, created empty at its
 *       first link (the owner's logon, or another user's LINK) and deleted when its last link goes,
 *       as CP keeps a V-DISK only while someone uses it.</li>
 *   <li>Errors carry the HCP message ids of ZVM.md where it documents them (HCPLNM053E,
 *       HCPQVD040E, HCPDTV040E, HCPCQU045E); the link-conflict ids HCPLNM104E/105E, "device
 *       already defined" HCPLNM024E and "already logged on" HCPLGA054E are from memory and
 *       unverified. Callers should act on {@link CpException#kind()}, not on the id.</li>
 * </ul>
 *
 * <p>Thread-safe: all state is guarded by this object's monitor; the guest runtime is called
 * outside it. The CP directory is re-read when its file changes.
 */
public final class LocalSystem implements AutoCloseable {

    private final LocalDataDirectory data;
    private final GuestRuntime runtime;
    private final String systemName;
    private final Set<Userid> loggedOn = new TreeSet<>();
    /** Per user, the devices it has linked: its own vaddr to the attachment. */
    private final Map<Userid, Map<Vaddr, Attachment>> attachments = new HashMap<>();
    private UserDirectory directory;
    /** What identified the directory file when it was read: modification time, size and inode. */
    private List<Object> directoryStamp;

    /** One linked minidisk: whose it is, the bytes, the access granted, the open channel. */
    private record Attachment(Userid owner, Vaddr vaddr, MdiskStatement mdisk, FileRegion region, boolean write,
            RegionChannel channel) {
    }

    /**
     * @param data the data directory
     * @param runtime what boots and halts guests
     * @param systemName the name {@code QUERY USERID} reports ({@code userid AT systemName})
     */
    public LocalSystem(LocalDataDirectory data, GuestRuntime runtime, String systemName) {
        this.data = Objects.requireNonNull(data, "data");
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.systemName = Objects.requireNonNull(systemName, "systemName");
    }

    /** The data directory this system runs on. */
    public LocalDataDirectory data() {
        return data;
    }

    /** The CP of virtual machine {@code self}: commands issued as that user. */
    public Session session(Userid self) {
        return new Session(Objects.requireNonNull(self, "self"));
    }

    /** Whether {@code userid} is logged on. */
    public synchronized boolean isLoggedOn(Userid userid) {
        return loggedOn.contains(userid);
    }

    /** The users logged on, sorted. */
    public synchronized Set<Userid> loggedOn() {
        return Set.copyOf(loggedOn);
    }

    /**
     * Marks {@code userid} logged off and drops its links (the guest stopped by itself, or FORCE).
     * Does nothing for a user that is not logged on.
     */
    public synchronized void logoff(Userid userid) {
        loggedOn.remove(userid);
        Map<Vaddr, Attachment> devices = attachments.remove(userid);
        if (devices != null) {
            for (Attachment attachment : devices.values()) {
                release(attachment);
            }
        }
    }

    /** Drops every link and logs everyone off (the guests are not halted). */
    @Override
    public synchronized void close() {
        for (Userid userid : new ArrayList<>(attachments.keySet())) {
            logoff(userid);
        }
        loggedOn.clear();
    }

    /**
     * Closes a detached link's channel; a V-DISK nobody links any more is destroyed, as CP destroys
     * it when its last user detaches. Caller holds the lock.
     */
    private void release(Attachment attachment) {
        closeQuietly(attachment.channel);
        if (attachment.mdisk.location() instanceof MdiskLocation.VDisk) {
            for (Map<Vaddr, Attachment> devices : attachments.values()) {
                for (Attachment other : devices.values()) {
                    if (other.owner.equals(attachment.owner) && other.vaddr.equals(attachment.vaddr)) {
                        return;
                    }
                }
            }
            try {
                Files.deleteIfExists(attachment.region.path());
            } catch (IOException e) {
                // a stale V-DISK file is recreated empty at the next logon; nothing reads it before
                System.getLogger(LocalSystem.class.getName()).log(System.Logger.Level.WARNING,
                        "cannot delete V-DISK image " + attachment.region.path(), e);
            }
        }
    }

    private static void closeQuietly(RegionChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing a channel on a local image; the data was forced by its writer or is not wanted
            System.getLogger(LocalSystem.class.getName()).log(System.Logger.Level.WARNING, "cannot close " + channel, e);
        }
    }

    private UserDirectory directory(String command) throws CpException {
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

    private CpException error(CpException.Kind kind, String command, int rc, String messageId, String text) {
        return new CpException(kind, command, rc, messageId, messageId + " " + text);
    }

    /** Grants access to {@code owner vaddr} for {@code user}, or explains the refusal. Caller holds the lock. */
    private boolean grant(String command, Userid user, Userid owner, Vaddr vaddr, LinkMode mode) throws CpException {
        boolean otherLinks = false;
        Userid writer = null;
        Userid reader = null;
        for (var entry : attachments.entrySet()) {
            if (entry.getKey().equals(user)) {
                continue;
            }
            for (Attachment attachment : entry.getValue().values()) {
                if (attachment.owner.equals(owner) && attachment.vaddr.equals(vaddr)) {
                    otherLinks = true;
                    if (attachment.write) {
                        writer = entry.getKey();
                    } else {
                        reader = entry.getKey();
                    }
                }
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

    private Attachment attach(String command, UserDirectory dir, Userid user, Userid owner, Vaddr vaddr, Vaddr myVaddr, LinkMode mode)
            throws CpException {
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
        Map<Vaddr, Attachment> mine = attachments.getOrDefault(user, Map.of());
        if (mine.containsKey(myVaddr)) {
            throw error(CpException.Kind.DEVICE_IN_USE, command, 24, "HCPLNM024E", "Device " + myVaddr + " already defined");
        }
        boolean write = grant(command, user, owner, vaddr, mode);
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
        RegionChannel channel;
        try {
            channel = RegionChannel.open(region, write);
        } catch (IOException e) {
            throw new CpException(CpException.Kind.FAILED, command, "cannot open " + region, e);
        }
        Attachment attachment = new Attachment(owner, vaddr, mdisk, region, write, channel);
        attachments.computeIfAbsent(user, u -> new LinkedHashMap<>()).put(myVaddr, attachment);
        return attachment;
    }

    /** The V-DISK's image, created empty (sparse) when it does not exist yet: CP creates a V-DISK at its first link. */
    private FileRegion createVdisk(Userid owner, Vaddr vaddr, long blocks) throws IOException {
        java.nio.file.Path image = data.vdiskImage(owner, vaddr);
        long bytes = DeviceType.FB_512.toBytes(blocks);
        if (!Files.exists(image)) {
            Files.createDirectories(image.getParent());
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(image,
                    java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap(new byte[1]), bytes - 1);
            }
        }
        return new FileRegion(image, 0, bytes);
    }

    /**
     * One virtual machine's CP: commands run as {@code self}. Thread-safe (state lives in the
     * {@link LocalSystem}).
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

        @Override
        public UseridReply queryUserid() {
            return new UseridReply(self, systemName);
        }

        @Override
        public VirtualDasd queryVirtualDasd(Vaddr vaddr) throws CpException {
            synchronized (LocalSystem.this) {
                Attachment attachment = attachments.getOrDefault(self, Map.of()).get(vaddr);
                if (attachment == null) {
                    throw error(CpException.Kind.NO_SUCH_DEVICE, "Q V " + vaddr, 40, "HCPQVD040E", "Device " + vaddr + " does not exist");
                }
                MdiskStatement mdisk = attachment.mdisk;
                boolean ckd = mdisk.deviceType() == DeviceType.DASD_3390;
                long units = attachment.region.length() / mdisk.deviceType().bytesPerUnit();
                return new VirtualDasd(vaddr, ckd ? "3390" : "9336", mdisk.volid().orElse("(VDSK)"), attachment.write, units, ckd,
                        mdisk.location() instanceof MdiskLocation.VDisk ? "VDSK" : "LOCAL");
            }
        }

        @Override
        public LinkResult link(Userid owner, Vaddr vaddr, Vaddr myVaddr, LinkMode mode) throws CpException {
            String command = "LINK " + owner + " " + vaddr + " " + myVaddr + " " + mode;
            synchronized (LocalSystem.this) {
                Attachment attachment = attach(command, directory(command), self, owner, vaddr, myVaddr, mode);
                return new LinkResult(owner, vaddr, myVaddr, mode, attachment.write);
            }
        }

        /**
         * LINK and return the channel on the minidisk's bytes (read-only unless write was granted).
         * The channel stays owned by the link: DETACH (or logoff) closes it.
         */
        public RegionChannel linkChannel(Userid owner, Vaddr vaddr, Vaddr myVaddr, LinkMode mode) throws CpException {
            link(owner, vaddr, myVaddr, mode);
            return channel(myVaddr);
        }

        /**
         * The channel on the bytes of the minidisk linked at {@code myVaddr} (or of the user's own
         * minidisk while logged on).
         */
        public RegionChannel channel(Vaddr myVaddr) throws CpException {
            synchronized (LocalSystem.this) {
                Attachment attachment = attachments.getOrDefault(self, Map.of()).get(myVaddr);
                if (attachment == null) {
                    throw error(CpException.Kind.NO_SUCH_DEVICE, "Q V " + myVaddr, 40, "HCPQVD040E", "Device " + myVaddr + " does not exist");
                }
                return attachment.channel;
            }
        }

        @Override
        public List<VirtualDasd> queryVirtualDasds() throws CpException {
            List<Vaddr> vaddrs;
            synchronized (LocalSystem.this) {
                vaddrs = new ArrayList<>(new TreeSet<>(attachments.getOrDefault(self, Map.of()).keySet()));
            }
            List<VirtualDasd> dasds = new ArrayList<>();
            for (Vaddr vaddr : vaddrs) {
                dasds.add(queryVirtualDasd(vaddr));
            }
            return dasds;
        }

        @Override
        public CpReply flashcopy(Vaddr source, Vaddr target) throws CpException {
            String command = "FLASHCOPY " + source + " 0 END TO " + target + " 0 END SYNC";
            throw new CpException(CpException.Kind.FLASHCOPY_UNAVAILABLE, command, -1, null,
                    "the simulated storage cannot FLASHCOPY yet");
        }

        @Override
        public CpReply detach(Vaddr vaddr) throws CpException {
            String command = "DETACH " + vaddr;
            synchronized (LocalSystem.this) {
                Map<Vaddr, Attachment> mine = attachments.get(self);
                Attachment attachment = mine == null ? null : mine.remove(vaddr);
                if (attachment == null) {
                    throw error(CpException.Kind.NO_SUCH_DEVICE, command, 40, "HCPDTV040E", "Device " + vaddr + " does not exist");
                }
                release(attachment);
                return new CpReply(command, List.of("DASD " + vaddr + " DETACHED"));
            }
        }

        @Override
        public CpReply xautolog(Userid userid) throws CpException {
            String command = "XAUTOLOG " + userid;
            int users;
            List<String> lines = new ArrayList<>(List.of("Command accepted"));
            synchronized (LocalSystem.this) {
                UserDirectory dir = directory(command);
                DirectoryEntry entry = dir.entry(userid).filter(e -> !e.isProfile()).orElseThrow(() -> error(
                        CpException.Kind.NOT_IN_DIRECTORY, command, 53, "HCPLNM053E", userid + " not in CP directory"));
                if (loggedOn.contains(userid)) {
                    throw error(CpException.Kind.ALREADY_LOGGED_ON, command, 54, "HCPLGA054E", userid + " already logged on");
                }
                loggedOn.add(userid);
                try {
                    for (MdiskStatement mdisk : ownMinidisks(entry)) {
                        LinkMode mode = mdisk.mode() == null ? LinkMode.W : LinkMode.of(mdisk.mode());
                        try {
                            attach(command, dir, userid, userid, mdisk.vaddr(), mdisk.vaddr(), mode);
                        } catch (CpException e) {
                            if (e.kind() != CpException.Kind.LINK_CONFLICT) {
                                throw e;
                            }
                            // as CP does: the user logs on without that minidisk, and is told why
                            lines.add(e.getMessage());
                        }
                    }
                } catch (CpException e) {
                    logoff(userid);
                    throw e;
                }
                users = loggedOn.size();
            }
            try {
                runtime.boot(userid, LocalSystem.this);
            } catch (Exception e) {
                logoff(userid);
                throw new CpException(CpException.Kind.FAILED, command, "the guest of " + userid + " did not start: " + e.getMessage(), e);
            }
            lines.add("AUTO LOGON  ***  " + userid + " USERS = " + users);
            return new CpReply(command, lines);
        }

        @Override
        public CpReply force(Userid userid) throws CpException {
            String command = "FORCE " + userid;
            synchronized (LocalSystem.this) {
                if (!loggedOn.contains(userid)) {
                    throw error(CpException.Kind.NOT_LOGGED_ON, command, 45, "HCPCQU045E", userid + " not logged on");
                }
            }
            try {
                runtime.halt(userid);
            } catch (Exception e) {
                throw new CpException(CpException.Kind.FAILED, command, "the guest of " + userid + " did not stop: " + e.getMessage(), e);
            } finally {
                logoff(userid);
            }
            int users;
            synchronized (LocalSystem.this) {
                users = loggedOn.size();
            }
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
