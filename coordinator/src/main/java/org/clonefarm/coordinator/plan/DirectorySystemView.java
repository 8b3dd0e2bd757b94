package org.clonefarm.coordinator.plan;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.clonefarm.coordinator.spec.SystemView;
import org.clonefarm.platform.allocation.AllocationException;
import org.clonefarm.platform.allocation.ExtentAllocator;
import org.clonefarm.platform.allocation.ExtentControl;
import org.clonefarm.platform.allocation.ExtentRequest;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.MdiskStatement;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.volume.Extent;

/**
 * The system a spec is checked against, read from a CP directory and its EXTENT CONTROL: which
 * entries exist, the master's minidisks and their sizes, the allocation groups, and whether a group
 * has room for a batch (found by a trial allocation that is released at once).
 *
 * <p>Entries marked as belonging to {@code ownBatch} (see {@link BatchMarker}) are invisible, so a
 * submit interrupted after it wrote the directory can be run again. Works on the snapshot it was
 * given; not thread-safe.
 */
public final class DirectorySystemView implements SystemView {
    private final UserDirectory directory;
    private final ExtentControl control;
    private final Set<String> ownEntries = new HashSet<>();

    public DirectorySystemView(UserDirectory directory, ExtentControl control, String ownBatch) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.control = Objects.requireNonNull(control, "control");
        if (ownBatch != null) {
            for (DirectoryEntry entry : directory.entries()) {
                BatchMarker.of(entry).filter(marker -> marker.batch().equals(ownBatch))
                        .ifPresent(marker -> ownEntries.add(entry.name().value()));
            }
        }
    }

    @Override
    public boolean entryExists(String name) {
        return !ownEntries.contains(name) && Userid.isValid(name) && directory.entry(new Userid(name)).isPresent();
    }

    @Override
    public Optional<Set<String>> minidisksOf(String master) {
        if (!Userid.isValid(master)) {
            return Optional.empty();
        }
        return directory.entry(new Userid(master)).map(entry -> {
            Set<String> vaddrs = new HashSet<>();
            for (MdiskStatement mdisk : entry.minidisks()) {
                vaddrs.add(mdisk.vaddr().value());
            }
            return vaddrs;
        });
    }

    @Override
    public long minidiskBytes(String master, String vaddr) {
        return masterExtent(master, vaddr).map(Extent::byteLength).orElse(-1L);
    }

    /** The master's minidisk on a volume, when it is one (not a V-DISK or AUTOG). */
    public Optional<Extent> masterExtent(String master, String vaddr) {
        if (!Userid.isValid(master) || !Vaddr.isValid(vaddr)) {
            return Optional.empty();
        }
        return directory.minidisk(new Userid(master), new Vaddr(vaddr)).flatMap(MdiskStatement::extent);
    }

    @Override
    public boolean groupExists(String group) {
        return control.groups().containsKey(group);
    }

    @Override
    public String shortfall(String group, List<String> sameSizeAs, String master, int clones) {
        List<ExtentRequest> batch = new ArrayList<>();
        for (int c = 0; c < clones; c++) {
            for (String vaddr : sameSizeAs) {
                Optional<Extent> source = masterExtent(master, vaddr);
                if (source.isEmpty()) {
                    return null; // reported elsewhere: the master has no such minidisk on a volume
                }
                batch.add(new ExtentRequest(group, source.get().deviceType(), source.get().size()));
            }
        }
        ExtentAllocator trial = new ExtentAllocator(control, withoutOwnEntries());
        try {
            trial.release(trial.allocate(batch));
            return null;
        } catch (AllocationException e) {
            return "has no room for " + clones + " clones: " + e.getMessage();
        }
    }

    /** The directory as the allocator should see it: this batch's own entries count as free space. */
    UserDirectory withoutOwnEntries() {
        if (ownEntries.isEmpty()) {
            return directory;
        }
        UserDirectory copy = UserDirectory.parse(directory.print(), directory.source());
        for (String name : ownEntries) {
            copy.remove(new Userid(name));
        }
        return copy;
    }

}
