package org.clonefarm.platform.simulation.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.io.FileRegion;

/**
 * What the simulated CP knows at one moment: who is logged on (and which process runs each guest) and
 * which minidisk every user has linked at which of its addresses. The in-memory form of the state file
 * {@code <data>/cp/state}, one record a line:
 *
 * <pre>
 * clonefarm-cp-state 1
 * LOGON LINUX001 4711 1718000000000
 * LINK WORKER1 1200 LNXMSTR 0200 RR R/O 3390 LX0000 8110080 73728000 volumes/LX0000.img
 * </pre>
 *
 * <p>{@code LOGON userid pid start-millis} (start -1 when the platform does not tell);
 * {@code LINK user vdev owner vaddr mode R/W|R/O devicetype volid offset length path}, the path last
 * (to the end of the line), relative to the data directory when inside it. A logged-on user's own
 * minidisks are links of the user to itself.
 *
 * <p>An instance remembers whether it was changed since it was parsed or copied ({@link #changed()}), so a
 * transaction that only reads writes nothing, and {@link #copy()} gives a state to change while the
 * original stays as it was (a cache of the last state read).
 *
 * <p>Not thread-safe: a {@code SimulatedCp} transaction owns one instance while it holds the lock.
 */
public final class CpState {

    private static final String HEADER = "clonefarm-cp-state 1";
    /** The volid CP shows for a V-DISK. */
    public static final String VDISK_VOLID = "(VDSK)";

    /** A logged-on user and the process that runs its guest. */
    public record Logon(Userid userid, long pid, long startMillis) {
        public Logon {
            Objects.requireNonNull(userid, "userid");
        }
    }

    /** One minidisk linked by {@code user} at {@code vdev}, with the access granted and its bytes. */
    public record Link(Userid user, Vaddr vdev, Userid owner, Vaddr vaddr, LinkMode mode, boolean write, DeviceType deviceType,
            String volid, FileRegion region) {
        public Link {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(vdev, "vdev");
            Objects.requireNonNull(owner, "owner");
            Objects.requireNonNull(vaddr, "vaddr");
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(deviceType, "deviceType");
            Objects.requireNonNull(volid, "volid");
            Objects.requireNonNull(region, "region");
        }

        /** Whether the minidisk is a V-DISK (its bytes live only while someone links it). */
        public boolean vdisk() {
            return volid.equals(VDISK_VOLID);
        }
    }

    private final Map<Userid, Logon> logons = new TreeMap<>();
    private final Map<Userid, TreeMap<Vaddr, Link>> links = new TreeMap<>();
    private boolean changed;

    /**
     * An independent state with the same logons and links, not {@link #changed()}: changing either
     * leaves the other as it is (the records themselves are immutable and shared).
     */
    public CpState copy() {
        CpState copy = new CpState();
        copy.logons.putAll(logons);
        links.forEach((user, mine) -> copy.links.put(user, new TreeMap<>(mine)));
        return copy;
    }

    /** Whether a logon or link was added, replaced by a different one or removed since parse or copy. */
    public boolean changed() {
        return changed;
    }

    /** The logged-on users, by userid. */
    public Collection<Logon> logons() {
        return List.copyOf(logons.values());
    }

    public Optional<Logon> logon(Userid userid) {
        return Optional.ofNullable(logons.get(userid));
    }

    public void putLogon(Logon logon) {
        changed |= !logon.equals(logons.put(logon.userid(), logon));
    }

    /** Removes the logon and every link the user holds (CP detaches all devices of a user that logs off). */
    public void logoff(Userid userid) {
        changed |= logons.remove(userid) != null;
        changed |= links.remove(userid) != null;
    }

    /** Every link, by user then vdev. */
    public List<Link> links() {
        List<Link> all = new ArrayList<>();
        links.values().forEach(m -> all.addAll(m.values()));
        return all;
    }

    /** The user's links in address order. */
    public List<Link> links(Userid user) {
        TreeMap<Vaddr, Link> mine = links.get(user);
        return mine == null ? List.of() : List.copyOf(mine.values());
    }

    public Optional<Link> link(Userid user, Vaddr vdev) {
        TreeMap<Vaddr, Link> mine = links.get(user);
        return Optional.ofNullable(mine == null ? null : mine.get(vdev));
    }

    public void putLink(Link link) {
        changed |= !link.equals(links.computeIfAbsent(link.user(), u -> new TreeMap<>()).put(link.vdev(), link));
    }

    public Optional<Link> removeLink(Userid user, Vaddr vdev) {
        TreeMap<Vaddr, Link> mine = links.get(user);
        Link removed = mine == null ? null : mine.remove(vdev);
        if (mine != null && mine.isEmpty()) {
            links.remove(user);
        }
        changed |= removed != null;
        return Optional.ofNullable(removed);
    }

    /** The state file's text; paths under {@code root} are written relative to it. */
    public String format(Path root) {
        // a string prefix instead of Path.relativize per link: the paths are the ones parse resolved against root
        String under = root.toString().endsWith("/") ? root.toString() : root + "/";
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        for (Logon logon : logons.values()) {
            text.append("LOGON ").append(logon.userid()).append(' ').append(logon.pid()).append(' ').append(logon.startMillis())
                    .append('\n');
        }
        for (Link link : links()) {
            String path = link.region().path().toString();
            String shown = path.startsWith(under) ? path.substring(under.length()) : path;
            text.append("LINK ").append(link.user()).append(' ').append(link.vdev()).append(' ').append(link.owner()).append(' ')
                    .append(link.vaddr()).append(' ').append(link.mode().name()).append(' ').append(link.write() ? "R/W" : "R/O")
                    .append(' ').append(link.deviceType().directoryName()).append(' ').append(link.volid()).append(' ')
                    .append(link.region().offset()).append(' ').append(link.region().length()).append(' ').append(shown)
                    .append('\n');
        }
        return text.toString();
    }

    /**
     * Reads a state file's text; relative paths are resolved against {@code root}.
     *
     * @throws IllegalArgumentException naming the line when the text is not a state file of this version
     */
    public static CpState parse(String text, Path root) {
        CpState state = new CpState();
        String[] lines = text.split("\n");
        if (text.isBlank()) {
            return state;
        }
        if (!lines[0].strip().equals(HEADER)) {
            throw new IllegalArgumentException("line 1 is '" + lines[0] + "', expected '" + HEADER + "'");
        }
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) {
                continue;
            }
            try {
                if (line.startsWith("LOGON ")) {
                    String[] f = line.split(" ");
                    state.putLogon(new Logon(Userid.of(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])));
                } else if (line.startsWith("LINK ")) {
                    String[] f = line.split(" ", 12);
                    Path path = Path.of(f[11]);
                    DeviceType type = DeviceType.byName(f[7]).orElseThrow(() -> new IllegalArgumentException("device type " + f[7]));
                    state.putLink(new Link(Userid.of(f[1]), Vaddr.of(f[2]), Userid.of(f[3]), Vaddr.of(f[4]), LinkMode.of(f[5]),
                            f[6].equals("R/W"), type, f[8], new FileRegion(root.resolve(path), Long.parseLong(f[9]),
                                    Long.parseLong(f[10]))));
                } else {
                    throw new IllegalArgumentException("unknown record");
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + (i + 1) + " '" + line + "' is not a LOGON or LINK record: "
                        + e.getMessage(), e);
            }
        }
        state.changed = false;
        return state;
    }
}
