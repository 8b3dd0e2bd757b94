package org.clonefarm.platform.allocation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.DirectoryException;
import org.clonefarm.platform.directory.MdiskLocation;
import org.clonefarm.platform.directory.MdiskStatement;
import org.clonefarm.platform.directory.NewUser;
import org.clonefarm.platform.directory.Prototype;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.volume.Extent;
import org.clonefarm.platform.volume.Volume;

/**
 * Allocates minidisk extents from groups of volume regions, in the spirit of DirMaint's AUTOG.
 *
 * <p>Contracts:
 * <ul>
 *   <li><b>Never overlaps.</b> Every allocation avoids every concrete extent in the directory (read
 *       afresh on each call, {@code END} sizes resolved against the volume), everything this
 *       allocator handed out before and not {@linkplain #release released}, and cylinder 0 / the
 *       first FBA blocks.</li>
 *   <li><b>A batch is all or nothing.</b> {@link #allocate} places every request or none; when one
 *       does not fit it throws {@link AllocationException} saying per group how much is missing, and
 *       nothing changes. {@link #addLike} also leaves the directory untouched then.</li>
 *   <li>Requests are placed in order, first fit in the group's regions (LINEAR) or starting at the
 *       region after the last one used (ROTATING).</li>
 * </ul>
 *
 * <p>Thread-safe: calls are serialized on the allocator. The directory must not be changed by other
 * threads during a call.
 */
public final class ExtentAllocator {

    private final ExtentControl control;
    private final UserDirectory directory;
    /** Extents handed out by {@link #allocate} and not (yet) in the directory. */
    private final List<Extent> reserved = new ArrayList<>();
    private final Map<String, Integer> nextRegion = new HashMap<>();

    /**
     * An allocator over {@code control}'s groups that keeps clear of {@code directory}'s minidisks.
     * The directory is read at every call, so entries added to it later are respected.
     */
    public ExtentAllocator(ExtentControl control, UserDirectory directory) {
        this.control = Objects.requireNonNull(control, "control");
        this.directory = Objects.requireNonNull(directory, "directory");
    }

    /**
     * Allocates one extent per request, in order, or none.
     *
     * @return the extents, {@code result.get(i)} for {@code batch.get(i)}; each is reserved in this
     *     allocator until it appears in the directory or is released
     * @throws AllocationException when a group is unknown or the batch does not fit; nothing is allocated
     */
    public synchronized List<Extent> allocate(List<ExtentRequest> batch) {
        for (ExtentRequest request : batch) {
            if (!control.groups().containsKey(request.group())) {
                throw new AllocationException("no group " + request.group() + " in EXTENT CONTROL (groups: "
                        + String.join(", ", control.groups().keySet()) + "); nothing was allocated", List.of());
            }
        }
        Map<Volser, NavigableMap<Long, Long>> used = usedMap();
        Map<String, Integer> rotation = new HashMap<>(nextRegion);
        List<Extent> placed = new ArrayList<>(batch.size());
        Map<String, int[]> unplacedCount = new LinkedHashMap<>();
        Map<String, long[]> unplacedUnits = new LinkedHashMap<>();
        Map<Volser, NavigableMap<Long, Long>> before = copy(used);
        for (ExtentRequest request : batch) {
            Extent extent = place(request, used, rotation);
            if (extent == null) {
                String key = request.group() + "\u0000" + request.deviceType().name();
                unplacedCount.computeIfAbsent(key, k -> new int[1])[0]++;
                unplacedUnits.computeIfAbsent(key, k -> new long[1])[0] += request.size();
                placed.add(null);
            } else {
                markUsed(used, extent);
                placed.add(extent);
            }
        }
        if (!unplacedCount.isEmpty()) {
            throw shortfall(batch, before, unplacedCount, unplacedUnits);
        }
        reserved.addAll(placed);
        nextRegion.putAll(rotation);
        return placed;
    }

    /**
     * Makes one entry per new user from {@code prototype} (DirMaint {@code ADD newid LIKE proto}),
     * allocating all their AUTOG minidisks as one batch, and adds them all to the directory. On any
     * failure (a userid that exists, a batch that does not fit) the directory is unchanged and
     * nothing stays reserved.
     *
     * @return the new entries, in the order of {@code users}
     */
    public synchronized List<DirectoryEntry> addLike(Prototype prototype, List<NewUser> users) {
        Set<Userid> names = new HashSet<>();
        for (NewUser user : users) {
            if (!names.add(user.userid()) || directory.entry(user.userid()).isPresent()) {
                throw new DirectoryException(directory.source(), 0, "cannot add " + user.userid() + " LIKE "
                        + prototype.entry().name() + ": the userid exists or repeats; nothing was added");
            }
        }
        List<ExtentRequest> batch = new ArrayList<>(users.size() * prototype.disks().size());
        for (int u = 0; u < users.size(); u++) {
            for (Prototype.DiskRequest disk : prototype.disks()) {
                batch.add(new ExtentRequest(disk.group(), disk.deviceType(), disk.size()));
            }
        }
        List<Extent> extents = allocate(batch);
        List<DirectoryEntry> entries = new ArrayList<>(users.size());
        try {
            int perUser = prototype.disks().size();
            for (int u = 0; u < users.size(); u++) {
                entries.add(prototype.like(users.get(u), extents.subList(u * perUser, (u + 1) * perUser)));
            }
            directory.addAll(entries);
        } finally {
            release(extents); // in the directory now, or not wanted
        }
        return entries;
    }

    /** Gives back extents from {@link #allocate} that will not be used (or are in the directory now). */
    public synchronized void release(List<Extent> extents) {
        reserved.removeAll(new HashSet<>(extents));
    }

    /** Free space of every volume named in EXTENT CONTROL, in region order. */
    public synchronized List<VolumeSpace> volumeSpace() {
        Map<Volser, NavigableMap<Long, Long>> used = usedMap();
        List<VolumeSpace> spaces = new ArrayList<>();
        for (Volume volume : control.volumes().values()) {
            spaces.add(space(volume, used.getOrDefault(volume.volser(), new TreeMap<>())));
        }
        return spaces;
    }

    /** Free units in {@code group}'s regions of {@code type} (a unit in two regions counts once). */
    public synchronized long freeUnits(String group, DeviceType type) {
        return groupFree(group, type, usedMap())[0];
    }

    // --- placement

    private Extent place(ExtentRequest request, Map<Volser, NavigableMap<Long, Long>> used, Map<String, Integer> rotation) {
        Group group = control.groups().get(request.group());
        List<String> ids = group.regionIds();
        int n = ids.size();
        int first = group.rotating() ? rotation.getOrDefault(group.name(), 0) % Math.max(n, 1) : 0;
        for (int k = 0; k < n; k++) {
            int index = (first + k) % n;
            Region region = control.region(ids.get(index)).orElseThrow();
            if (region.volume().deviceType() != request.deviceType()) {
                continue;
            }
            long start = firstFit(used.get(region.volser()), region.start(), region.end(), request.size());
            if (start >= 0) {
                if (group.rotating()) {
                    rotation.put(group.name(), index + 1);
                }
                return new Extent(region.volser(), request.deviceType(), start, request.size());
            }
        }
        return null;
    }

    /** The first start in [from, to) where {@code size} free units begin, or -1. */
    private static long firstFit(NavigableMap<Long, Long> used, long from, long to, long size) {
        long pos = from;
        if (used != null) {
            Long floor = used.floorKey(from);
            for (var interval : used.tailMap(floor == null ? from : floor, true).entrySet()) {
                long s = interval.getKey();
                long e = interval.getValue();
                if (s >= to) {
                    break;
                }
                if (s - pos >= size) {
                    return pos;
                }
                pos = Math.max(pos, e);
            }
        }
        return to - pos >= size ? pos : -1;
    }

    // --- used space

    private Map<Volser, NavigableMap<Long, Long>> usedMap() {
        Map<Volser, NavigableMap<Long, Long>> used = new HashMap<>();
        for (DirectoryEntry entry : directory.entries()) {
            for (MdiskStatement mdisk : entry.minidisks()) {
                if (!(mdisk.location() instanceof MdiskLocation.OnVolume on)) {
                    continue;
                }
                Volume volume = Volser.isValid(on.volid()) ? control.volumes().get(new Volser(on.volid())) : null;
                var extent = volume != null ? mdisk.extent(volume.size()) : mdisk.extent();
                extent.ifPresent(e -> markUsed(used, e));
            }
        }
        for (Extent extent : reserved) {
            markUsed(used, extent);
        }
        return used;
    }

    /** Adds [start, end) to the volume's used intervals, merging with overlapping or touching ones. */
    private static void markUsed(Map<Volser, NavigableMap<Long, Long>> used, Extent extent) {
        NavigableMap<Long, Long> intervals = used.computeIfAbsent(extent.volser(), v -> new TreeMap<>());
        long start = extent.start();
        long end = extent.end();
        var lower = intervals.floorEntry(start);
        if (lower != null && lower.getValue() >= start) {
            start = lower.getKey();
            end = Math.max(end, lower.getValue());
            intervals.remove(lower.getKey());
        }
        var next = intervals.ceilingEntry(start);
        while (next != null && next.getKey() <= end) {
            end = Math.max(end, next.getValue());
            intervals.remove(next.getKey());
            next = intervals.ceilingEntry(start);
        }
        intervals.put(start, end);
    }

    private static Map<Volser, NavigableMap<Long, Long>> copy(Map<Volser, NavigableMap<Long, Long>> used) {
        Map<Volser, NavigableMap<Long, Long>> copy = new HashMap<>();
        used.forEach((volser, intervals) -> copy.put(volser, new TreeMap<>(intervals)));
        return copy;
    }

    private static VolumeSpace space(Volume volume, NavigableMap<Long, Long> intervals) {
        long[] free = freeIn(intervals, volume.firstAllocatableUnit(), volume.size());
        long allocatable = volume.size() - volume.firstAllocatableUnit();
        return new VolumeSpace(volume, allocatable - free[0], free[0], free[1]);
    }

    /** {free units, largest free run} in [from, to). */
    private static long[] freeIn(NavigableMap<Long, Long> intervals, long from, long to) {
        long free = 0;
        long largest = 0;
        long pos = from;
        Long floor = intervals == null ? null : intervals.floorKey(from);
        if (intervals != null) {
            for (var interval : intervals.tailMap(floor == null ? from : floor, true).entrySet()) {
                long s = interval.getKey();
                if (s >= to) {
                    break;
                }
                if (s > pos) {
                    free += s - pos;
                    largest = Math.max(largest, s - pos);
                }
                pos = Math.max(pos, interval.getValue());
            }
        }
        if (to > pos) {
            free += to - pos;
            largest = Math.max(largest, to - pos);
        }
        return new long[] {free, largest};
    }

    /** {free units, largest free run} over a group's regions of one type; overlapping regions count once. */
    private long[] groupFree(String groupName, DeviceType type, Map<Volser, NavigableMap<Long, Long>> used) {
        Group group = control.groups().get(groupName);
        if (group == null) {
            return new long[] {0, 0};
        }
        // treat the regions themselves as intervals per volume, merged, then subtract used space
        Map<Volser, NavigableMap<Long, Long>> areas = new HashMap<>();
        for (String id : group.regionIds()) {
            Region region = control.region(id).orElseThrow();
            if (region.volume().deviceType() == type) {
                markUsed(areas, region.extent());
            }
        }
        long free = 0;
        long largest = 0;
        for (var volume : areas.entrySet()) {
            for (var area : volume.getValue().entrySet()) {
                long[] f = freeIn(used.get(volume.getKey()), area.getKey(), area.getValue());
                free += f[0];
                largest = Math.max(largest, f[1]);
            }
        }
        return new long[] {free, largest};
    }

    private AllocationException shortfall(List<ExtentRequest> batch, Map<Volser, NavigableMap<Long, Long>> before,
            Map<String, int[]> unplacedCount, Map<String, long[]> unplacedUnits) {
        List<AllocationException.Shortfall> shortfalls = new ArrayList<>();
        for (String key : unplacedCount.keySet()) {
            String[] parts = key.split("\u0000");
            String group = parts[0];
            DeviceType type = DeviceType.valueOf(parts[1]);
            int requested = 0;
            long requestedUnits = 0;
            for (ExtentRequest request : batch) {
                if (request.group().equals(group) && request.deviceType() == type) {
                    requested++;
                    requestedUnits += request.size();
                }
            }
            long[] free = groupFree(group, type, before);
            shortfalls.add(new AllocationException.Shortfall(group, type, requested, requestedUnits,
                    unplacedCount.get(key)[0], unplacedUnits.get(key)[0], free[0], free[1]));
        }
        StringBuilder message = new StringBuilder("cannot allocate a batch of " + batch.size() + " extents: ");
        for (int i = 0; i < shortfalls.size(); i++) {
            message.append(i > 0 ? "; " : "").append(shortfalls.get(i));
        }
        message.append(". Nothing was allocated; add volumes or regions to the group, or ask for less.");
        return new AllocationException(message.toString(), shortfalls);
    }
}
