package org.clonefarm.platform.cp;

import java.util.Objects;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.io.FileRegion;

/**
 * A minidisk a user of the local simulation has linked at one of its addresses, with its bytes: what
 * the simulated channel subsystem puts a loop device over. Immutable.
 *
 * @param owner the minidisk's owner
 * @param vaddr its address in the owner's directory entry
 * @param deviceType 3390 or FB-512
 * @param region its bytes: the volume image (or V-DISK file), offset and length
 * @param write whether CP granted write access (R/W)
 */
public record LinkedMinidisk(Userid owner, Vaddr vaddr, DeviceType deviceType, FileRegion region, boolean write) {

    public LinkedMinidisk {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(vaddr, "vaddr");
        Objects.requireNonNull(deviceType, "deviceType");
        Objects.requireNonNull(region, "region");
    }
}
