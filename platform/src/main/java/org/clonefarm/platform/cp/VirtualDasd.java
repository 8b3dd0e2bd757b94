package org.clonefarm.platform.cp;

import java.util.Objects;
import java.util.Optional;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Vaddr;

/**
 * The answer to {@code QUERY VIRTUAL vaddr} for a DASD, e.g.
 * {@code DASD 0200 3390 LX0001 R/W       1800 CYL ON DASD  1356 SUBCHANNEL = 0003}. Immutable.
 *
 * @param vaddr the virtual address
 * @param deviceTypeName the device type as CP reports it ({@code 3390}, {@code 9336}, ...)
 * @param volser the volume serial, or {@code (VDSK)} for a V-DISK
 * @param readWrite {@code true} for R/W, {@code false} for R/O
 * @param size the size in {@code unit}s
 * @param cylinders {@code true} when the size is in cylinders (CYL), {@code false} for blocks (BLK)
 * @param realDevice the real device it is on, as reported ({@code 1356}, {@code VDSK})
 */
public record VirtualDasd(Vaddr vaddr, String deviceTypeName, String volser, boolean readWrite, long size, boolean cylinders,
        String realDevice) {

    public VirtualDasd {
        Objects.requireNonNull(vaddr, "vaddr");
        Objects.requireNonNull(deviceTypeName, "deviceTypeName");
        Objects.requireNonNull(volser, "volser");
        Objects.requireNonNull(realDevice, "realDevice");
    }

    /** The device type when it is one this project models. */
    public Optional<DeviceType> deviceType() {
        return DeviceType.byName(deviceTypeName);
    }

    /** The size in bytes as Linux sees it (737,280 per cylinder, 512 per block). */
    public long sizeBytes() {
        return cylinders ? DeviceType.DASD_3390.toBytes(size) : DeviceType.FB_512.toBytes(size);
    }
}
