package org.clonefarm.platform.directory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.volume.Extent;

/**
 * A prototype entry and how to make new entries from it, as DirMaint's {@code ADD newid LIKE proto}
 * does: the userid and password are substituted, every {@code AUTOG size group} minidisk gets a
 * concrete extent of that size (allocated by the caller, see
 * {@code org.clonefarm.platform.allocation.ExtentAllocator}), and everything else (LINK, NICDEF,
 * IPL, INCLUDE, V-DISKs, comments, unknown statements) is kept as it is.
 *
 * <p>Immutable and thread-safe.
 */
public final class Prototype {

    private final DirectoryEntry entry;
    private final List<DiskRequest> disks;
    private final int[] diskIndexes;

    /**
     * One minidisk a new entry needs allocated. Immutable.
     *
     * @param vaddr the minidisk's address
     * @param deviceType 3390 or FB-512
     * @param size cylinders or blocks
     * @param group the EXTENT CONTROL group to allocate from
     */
    public record DiskRequest(Vaddr vaddr, DeviceType deviceType, long size, String group) {
        public DiskRequest {
            Objects.requireNonNull(vaddr, "vaddr");
            Objects.requireNonNull(deviceType, "deviceType");
            Objects.requireNonNull(group, "group");
        }
    }

    private Prototype(DirectoryEntry entry, List<DiskRequest> disks, int[] diskIndexes) {
        this.entry = entry;
        this.disks = List.copyOf(disks);
        this.diskIndexes = diskIndexes;
    }

    /**
     * A prototype whose own minidisks are all AUTOG, V-DISK or T-DISK (a DirMaint PROTODIR).
     *
     * @throws DirectoryException if the entry is a profile, has a DEVNO minidisk, or a minidisk on a
     *     fixed extent (a clone cannot share it)
     */
    public static Prototype of(DirectoryEntry entry) {
        return of(entry, null);
    }

    /**
     * A prototype, where a minidisk on a fixed extent (say, the master's own entry used as the
     * prototype) becomes a request for the same size from {@code groupForFixedExtents}.
     *
     * @param groupForFixedExtents the group for fixed extents, or {@code null} to refuse them
     */
    public static Prototype of(DirectoryEntry entry, String groupForFixedExtents) {
        if (entry.isProfile()) {
            throw new DirectoryException(null, entry.line(), "PROFILE " + entry.name() + " cannot be a prototype: use a USER entry");
        }
        List<DiskRequest> disks = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        List<Statement> body = entry.body();
        for (int i = 0; i < body.size(); i++) {
            if (!(body.get(i) instanceof MdiskStatement mdisk)) {
                continue;
            }
            MdiskLocation location = mdisk.location();
            if (location instanceof MdiskLocation.AutoGroup auto) {
                disks.add(new DiskRequest(mdisk.vaddr(), mdisk.deviceType(), auto.size(), auto.group()));
                indexes.add(i);
            } else if (location instanceof MdiskLocation.OnVolume on) {
                if (groupForFixedExtents == null || on.size() == MdiskLocation.END) {
                    throw new DirectoryException(null, entry.lineOf(i), "prototype " + entry.name() + ": MDISK " + mdisk.vaddr()
                            + " is on a fixed extent of " + on.volid() + "; a clone needs its own disk, so write it as AUTOG size group"
                            + (on.size() == MdiskLocation.END ? " (an END size cannot be copied)" : " or name a group for fixed extents"));
                }
                disks.add(new DiskRequest(mdisk.vaddr(), mdisk.deviceType(), on.size(), groupForFixedExtents));
                indexes.add(i);
            } else if (location instanceof MdiskLocation.Devno devno) {
                throw new DirectoryException(null, entry.lineOf(i), "prototype " + entry.name() + ": MDISK " + mdisk.vaddr()
                        + " is the real device " + devno.rdev() + ", which clones cannot share");
            }
        }
        return new Prototype(entry, disks, indexes.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The prototype entry. */
    public DirectoryEntry entry() {
        return entry;
    }

    /** The minidisks each new entry needs allocated, in the order {@link #like} takes their extents. */
    public List<DiskRequest> disks() {
        return disks;
    }

    /**
     * The entry for {@code user}, with {@code extents.get(i)} as the extent of {@code disks().get(i)}.
     *
     * @throws IllegalArgumentException if the extents do not match the requests in number, device type or size
     */
    public DirectoryEntry like(NewUser user, List<Extent> extents) {
        if (extents.size() != disks.size()) {
            throw new IllegalArgumentException("prototype " + entry.name() + " needs " + disks.size() + " extents for "
                    + user.userid() + ", got " + extents.size());
        }
        List<Statement> body = new ArrayList<>(entry.body());
        for (int d = 0; d < disks.size(); d++) {
            DiskRequest disk = disks.get(d);
            Extent extent = extents.get(d);
            if (extent.deviceType() != disk.deviceType() || extent.size() != disk.size()) {
                throw new IllegalArgumentException("extent " + extent + " does not fit MDISK " + disk.vaddr() + " of "
                        + user.userid() + ": it needs " + disk.deviceType().units(disk.size()) + " of "
                        + disk.deviceType().directoryName());
            }
            MdiskStatement mdisk = (MdiskStatement) body.get(diskIndexes[d]);
            body.set(diskIndexes[d], mdisk.withLocation(
                    new MdiskLocation.OnVolume(extent.start(), extent.size(), extent.volser().value())));
        }
        EntryHeader header = ((UserStatement) entry.header()).withIdentity(user.userid(), user.password());
        return DirectoryEntry.of(header, body);
    }
}
