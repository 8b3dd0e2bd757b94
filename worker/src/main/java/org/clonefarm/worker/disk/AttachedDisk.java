package org.clonefarm.worker.disk;

import java.util.Objects;
import java.util.Optional;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.proto.DiskExtent;

/**
 * A minidisk attached by a {@link MinidiskAccess}: where its bytes are now and what releasing it needs.
 * Valid until {@link MinidiskAccess#release}; its region (a block device on z/VM) may differ on every
 * attach, so nothing durable may be keyed by it (checkpoints are keyed by owner and vaddr). Immutable.
 *
 * @param extent the minidisk as the request names it (owner, vaddr, device type, size)
 * @param mode read-only (a source) or read/write (a target)
 * @param region its bytes: a block device from offset 0 on z/VM, a volume image extent in the simulation
 * @param vdev the virtual address it is linked at in this guest, empty where nothing is linked
 */
public record AttachedDisk(DiskExtent extent, MinidiskAccess.Mode mode, FileRegion region, Optional<Vaddr> vdev) {

    public AttachedDisk {
        Objects.requireNonNull(extent, "extent");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(vdev, "vdev");
    }

    /** {@code OWNER VADDR}, with {@code at VDEV} when linked: for messages. */
    public String describe() {
        return extent.getOwner() + " " + extent.getVaddr() + vdev.map(v -> " at " + v.value()).orElse("");
    }
}
