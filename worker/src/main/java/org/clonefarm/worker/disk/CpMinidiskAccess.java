package org.clonefarm.worker.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.clonefarm.platform.cp.CcwBus;
import org.clonefarm.platform.cp.Cp;
import org.clonefarm.platform.cp.CpException;
import org.clonefarm.platform.cp.LinkResult;
import org.clonefarm.platform.cp.VirtualDasd;
import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.proto.DiskExtent;
import org.clonefarm.worker.disk.internal.Dasdfmt;
import org.clonefarm.worker.disk.internal.HostLock;
import org.clonefarm.worker.disk.internal.LinkStateFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Minidisks on z/VM, from a Linux worker guest with the privilege to LINK them ({@code formats/ZVM-LINUX.md}):
 *
 * <ol>
 *   <li>under a host-wide lock (a file lock in the state directory, shared by the workers of this guest):
 *       choose a free vdev ({@code QUERY VIRTUAL vdev} answers HCPQVD040E, and no worker's state file lists
 *       it), record {@code VDEV OWNER VADDR MODE} in this worker's state file (durably, before the LINK),
 *       {@code LINK owner vaddr AS vdev RR|MR};</li>
 *   <li>check {@code QUERY VIRTUAL vdev} against the plan: device type, size, and R/W for a target;</li>
 *   <li>{@code cio_ignore -r}, {@code chccwdev -e}, {@code udevadm settle} and wait for
 *       {@code by-path/ccw-0.0.vdev} ({@link CcwBus}); the region is that block device from offset 0.</li>
 * </ol>
 * Any failure after the LINK takes the device offline and DETACHes it before the error is thrown, so a
 * failed attach leaves nothing linked. {@link #release} forces a target's writes, sets the device offline,
 * DETACHes it and removes its state-file entry; {@link #reconcile()} at start DETACHes what the state
 * file lists and {@code QUERY VIRTUAL DASD} still shows (a killed worker's links); {@link #close()}
 * releases what is still attached.
 *
 * <p>Checkpoints must never be keyed by the vdev or the device path: both change between attaches.
 *
 * <p>Thread-safe: attaches choose vdevs one at a time under the host lock; the rest runs in parallel.
 */
public final class CpMinidiskAccess implements MinidiskAccess {
    private static final Logger LOG = LoggerFactory.getLogger(CpMinidiskAccess.class);
    private static final int MAX_VDEV_PROBES = 64;

    private final Cp cp;
    private final CcwBus bus;
    private final CpAccessOptions options;
    private final HostLock vdevLock;
    private final HostLock flashcopyLock;
    private final LinkStateFile state;
    private final Dasdfmt dasdfmt;
    /** What this process has linked now, by vdev. */
    private final Map<Vaddr, LinkStateFile.Entry> live = new ConcurrentHashMap<>();

    public CpMinidiskAccess(Cp cp, CcwBus bus, CpAccessOptions options) {
        this.cp = Objects.requireNonNull(cp, "cp");
        this.bus = Objects.requireNonNull(bus, "bus");
        this.options = Objects.requireNonNull(options, "options");
        this.vdevLock = new HostLock(options.stateDirectory().resolve("vdev.lock"), options.lockTimeout());
        this.flashcopyLock = new HostLock(options.stateDirectory().resolve("flashcopy.lock"), options.lockTimeout());
        this.state = new LinkStateFile(options.stateDirectory(), options.workerId());
        this.dasdfmt = new Dasdfmt(options.dasdfmt());
    }

    @Override
    public DiskAccessKind kind() {
        return DiskAccessKind.CP;
    }

    /** This worker's link state file. */
    public Path stateFile() {
        return state.file();
    }

    @Override
    public AttachedDisk attach(DiskExtent extent, Mode mode) throws DiskAccessException {
        Userid owner;
        Vaddr vaddr;
        try {
            owner = Userid.of(extent.getOwner());
            vaddr = Vaddr.of(extent.getVaddr());
        } catch (IllegalArgumentException e) {
            throw new DiskAccessException("minidisk " + extent.getOwner() + " " + extent.getVaddr()
                    + " cannot be linked: " + e.getMessage(), false, e);
        }
        LinkMode linkMode = mode == Mode.READ ? LinkMode.RR : LinkMode.MR;
        String disk = owner + " " + vaddr;
        LinkResult link = link(owner, vaddr, linkMode, disk);
        Vaddr vdev = link.myVaddr();
        String where = disk + " at " + vdev;
        boolean onlineTried = false;
        try {
            if (mode == Mode.WRITE && !link.readWrite()) {
                throw new DiskAccessException("LINK " + disk + " AS " + vdev + " MR gave read-only access: another user"
                        + " has the minidisk R/W (is " + owner + " logged on?)", true);
            }
            VirtualDasd dasd;
            try {
                dasd = cp.queryVirtualDasd(vdev);
            } catch (CpException e) {
                // HCPQVD040E right after a successful LINK: the link vanished under us (detached by someone)
                throw new DiskAccessException("QUERY VIRTUAL " + vdev + " after linking " + disk + " failed: "
                        + e.getMessage(), e.kind() == CpException.Kind.NO_SUCH_DEVICE || e.retryable(), e);
            }
            String problem = mismatch(extent, mode, dasd);
            if (problem != null) {
                throw new DiskAccessException("minidisk " + where + " is not the planned one: " + problem, false);
            }
            Path device;
            try {
                bus.unignore(vdev);
                onlineTried = true;
                device = bus.online(vdev, options.onlineTimeout());
            } catch (CcwBus.CcwException e) {
                throw new DiskAccessException("minidisk " + where + " cannot be brought online: " + e.getMessage(),
                        e.retryable(), e);
            }
            long length = mode == Mode.READ ? extent.getByteLength() : dasd.sizeBytes();
            LOG.debug("linked {} {} as {} ({}), online at {}", disk, linkMode, vdev, dasd, device);
            return new AttachedDisk(extent, mode, new FileRegion(device, 0, length), Optional.of(vdev));
        } catch (DiskAccessException | RuntimeException e) {
            undo(vdev, onlineTried, e);
            throw e;
        }
    }

    /** Under the host lock: a free vdev, the state-file entry, the LINK. Nothing stays linked on failure. */
    private LinkResult link(Userid owner, Vaddr vaddr, LinkMode linkMode, String disk) throws DiskAccessException {
        try {
            return vdevLock.call(() -> {
                Vaddr vdev = freeVdev(disk);
                LinkStateFile.Entry entry = new LinkStateFile.Entry(vdev, owner, vaddr, linkMode);
                try {
                    state.add(entry);
                } catch (IOException e) {
                    throw new DiskAccessException("cannot record the link of " + disk + " at " + vdev + " in "
                            + state.file() + ": " + e, true, e);
                }
                live.put(vdev, entry);
                try {
                    return cp.link(owner, vaddr, vdev, linkMode);
                } catch (CpException e) {
                    DiskAccessException failure = new DiskAccessException("LINK " + disk + " AS " + vdev + " "
                            + linkMode + " failed: " + e.getMessage(), e.retryable(), e);
                    undo(vdev, false, failure); // Feilong detaches even after a half-failed LINK
                    throw failure;
                }
            });
        } catch (HostLock.LockException e) {
            throw new DiskAccessException("cannot link " + disk + ": " + e.getMessage(), true, e);
        }
    }

    /** A vdev nobody uses: not in any worker's state file, and CP says it does not exist. Under the lock. */
    private Vaddr freeVdev(String disk) throws DiskAccessException {
        Set<Vaddr> taken;
        try {
            taken = state.vdevsOfAllWorkers();
        } catch (IOException e) {
            throw new DiskAccessException("cannot read the link state files in " + options.stateDirectory()
                    + " to choose a vdev for " + disk + ": " + e, true, e);
        }
        int first = options.firstVdev().number();
        int span = options.lastVdev().number() - first + 1;
        int start = ThreadLocalRandom.current().nextInt(span);
        int probes = 0;
        for (int i = 0; i < span && probes < MAX_VDEV_PROBES; i++) {
            Vaddr candidate = Vaddr.of(first + (start + i) % span);
            if (taken.contains(candidate) || live.containsKey(candidate)) {
                continue;
            }
            probes++;
            try {
                cp.queryVirtualDasd(candidate);
            } catch (CpException e) {
                if (e.kind() == CpException.Kind.NO_SUCH_DEVICE) {
                    return candidate; // HCPQVD040E: free
                }
                if (e.kind() == CpException.Kind.FAILED) {
                    continue; // another kind of device (not a DASD) is there
                }
                throw new DiskAccessException("QUERY VIRTUAL " + candidate + " (choosing a vdev for " + disk
                        + ") failed: " + e.getMessage(), e.retryable(), e);
            }
        }
        throw new DiskAccessException("no free vdev for " + disk + " in " + options.firstVdev() + "-"
                + options.lastVdev() + " after " + probes + " tries", true);
    }

    /** Why CP's view of the linked disk is not the plan's, or null. */
    private static String mismatch(DiskExtent extent, Mode mode, VirtualDasd dasd) {
        Optional<DeviceType> type = dasd.deviceType();
        boolean eckdPlanned = extent.getDeviceType() == org.clonefarm.proto.DeviceType.DEVICE_TYPE_3390;
        if (type.isEmpty() || (type.get() == DeviceType.DASD_3390) != eckdPlanned || dasd.cylinders() != eckdPlanned) {
            return "QUERY VIRTUAL shows a " + dasd.deviceTypeName() + " of " + dasd.size() + (dasd.cylinders() ? " CYL"
                    : " BLK") + ", the plan a " + extent.getDeviceType();
        }
        if (dasd.size() != extent.getSize()) {
            return "QUERY VIRTUAL shows " + dasd.size() + (dasd.cylinders() ? " cylinders" : " blocks") + " on "
                    + dasd.volser() + ", the plan " + extent.getSize();
        }
        if (mode == Mode.WRITE && !dasd.readWrite()) {
            return "QUERY VIRTUAL shows it R/O, a target must be R/W";
        }
        return null;
    }

    @Override
    public void release(AttachedDisk disk) throws DiskAccessException {
        Vaddr vdev = disk.vdev().orElseThrow(() -> new IllegalArgumentException(disk.describe() + " was not linked"));
        if (!live.containsKey(vdev)) {
            return;
        }
        DiskAccessException failure = null;
        if (disk.mode() == Mode.WRITE) {
            try (FileChannel device = FileChannel.open(disk.region().path(), StandardOpenOption.WRITE)) {
                device.force(true);
            } catch (IOException e) {
                failure = new DiskAccessException("cannot flush " + disk.describe() + " (" + disk.region().path() + "): "
                        + e, true, e);
            }
        }
        DiskAccessException detach = offlineAndDetach(vdev, true, disk.describe());
        if (detach != null) {
            if (failure == null) {
                failure = detach;
            } else {
                failure.addSuppressed(detach);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Best-effort cleanup of a failed attach; what fails is added to {@code failure}. */
    private void undo(Vaddr vdev, boolean online, Exception failure) {
        DiskAccessException problem = offlineAndDetach(vdev, online, "vdev " + vdev);
        if (problem != null) {
            failure.addSuppressed(problem);
        }
    }

    /**
     * Offline (when {@code online}), DETACH, forget. A device CP no longer has counts as detached. The
     * state-file entry is removed only once the vdev is gone: otherwise {@link #reconcile()} retries it.
     *
     * @return the failure, or null when the vdev is gone
     */
    private DiskAccessException offlineAndDetach(Vaddr vdev, boolean online, String what) {
        DiskAccessException failure = null;
        if (online) {
            try {
                bus.offline(vdev);
            } catch (CcwBus.CcwException e) {
                // detached anyway: a link left behind blocks the clone; the data was forced already
                failure = new DiskAccessException("cannot set " + what + " offline: " + e.getMessage(), e.retryable(), e);
            }
        }
        try {
            cp.detach(vdev);
        } catch (CpException e) {
            if (e.kind() != CpException.Kind.NO_SUCH_DEVICE) {
                DiskAccessException detach = new DiskAccessException("DETACH " + vdev + " (" + what + ") failed: "
                        + e.getMessage() + "; it stays in " + state.file() + " and is detached at the next start", true, e);
                if (failure != null) {
                    detach.addSuppressed(failure);
                }
                return detach;
            }
        }
        live.remove(vdev);
        try {
            state.remove(vdev);
        } catch (IOException e) {
            DiskAccessException forget = new DiskAccessException("cannot remove " + vdev + " from " + state.file() + ": "
                    + e, true, e);
            if (failure != null) {
                forget.addSuppressed(failure);
            }
            return forget;
        }
        return failure;
    }

    @Override
    public boolean canFlashcopy() {
        return true;
    }

    @Override
    public void flashcopy(AttachedDisk source, AttachedDisk target) throws DiskAccessException {
        Vaddr from = source.vdev().orElseThrow();
        Vaddr to = target.vdev().orElseThrow();
        try {
            flashcopyLock.call(() -> cp.flashcopy(from, to)); // serialised host-wide, as xCAT does
        } catch (CpException e) {
            throw new DiskAccessException("FLASHCOPY " + from + " 0 END TO " + to + " 0 END SYNC (" + source.describe()
                    + " to " + target.describe() + "): " + e.getMessage(), e.retryable(), e);
        } catch (HostLock.LockException e) {
            throw new DiskAccessException("FLASHCOPY of " + source.describe() + ": " + e.getMessage(), true, e);
        }
    }

    @Override
    public void formatTarget(AttachedDisk target, Consumer<String> progress) throws DiskAccessException {
        if (target.extent().getDeviceType() != org.clonefarm.proto.DeviceType.DEVICE_TYPE_3390) {
            return; // FBA and V-DISK need no format
        }
        Path device = target.region().path();
        try {
            dasdfmt.format(device, progress);
        } catch (IOException e) {
            throw new DiskAccessException("formatting " + target.describe() + " (" + device + ") failed: "
                    + e.getMessage(), false, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DiskAccessException("formatting " + target.describe() + " was interrupted", true, e);
        }
    }

    @Override
    public void reconcile() throws DiskAccessException {
        try {
            vdevLock.call(() -> {
                List<LinkStateFile.Entry> left;
                try {
                    left = state.read();
                } catch (IOException e) {
                    throw new DiskAccessException("cannot read " + state.file() + ": " + e, false, e);
                }
                if (left.isEmpty()) {
                    return null;
                }
                Set<Vaddr> linked = new java.util.HashSet<>();
                try {
                    for (VirtualDasd dasd : cp.queryVirtualDasds()) {
                        linked.add(dasd.vaddr());
                    }
                } catch (CpException e) {
                    throw new DiskAccessException("QUERY VIRTUAL DASD (to detach what a previous run left in "
                            + state.file() + ") failed: " + e.getMessage(), e.retryable(), e);
                }
                List<DiskAccessException> failures = new ArrayList<>();
                for (LinkStateFile.Entry entry : left) {
                    if (live.containsKey(entry.vdev())) {
                        continue; // a running copy of this process uses it
                    }
                    String what = entry.owner() + " " + entry.vaddr() + " at " + entry.vdev() + " (left by a previous run)";
                    if (linked.contains(entry.vdev())) {
                        LOG.warn("detaching {}", what);
                        DiskAccessException failure = offlineAndDetach(entry.vdev(), bus.isOnline(entry.vdev()), what);
                        if (failure != null) {
                            failures.add(failure);
                        }
                    } else {
                        try {
                            state.remove(entry.vdev());
                        } catch (IOException e) {
                            failures.add(new DiskAccessException("cannot update " + state.file() + ": " + e, true, e));
                        }
                    }
                }
                if (!failures.isEmpty()) {
                    DiskAccessException first = failures.get(0);
                    failures.subList(1, failures.size()).forEach(first::addSuppressed);
                    throw first;
                }
                return null;
            });
        } catch (HostLock.LockException e) {
            throw new DiskAccessException("cannot reconcile " + state.file() + ": " + e.getMessage(), true, e);
        }
    }

    /** Offline and DETACH every vdev this process still has linked; failures are logged (the next start retries). */
    @Override
    public void close() {
        for (LinkStateFile.Entry entry : List.copyOf(live.values())) {
            String what = entry.owner() + " " + entry.vaddr() + " at " + entry.vdev();
            DiskAccessException failure = offlineAndDetach(entry.vdev(), bus.isOnline(entry.vdev()), what);
            if (failure != null) {
                LOG.warn("closing: {}", failure.getMessage());
            }
        }
    }
}
