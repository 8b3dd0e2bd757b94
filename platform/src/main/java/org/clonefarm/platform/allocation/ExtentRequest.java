package org.clonefarm.platform.allocation;

import java.util.Objects;
import org.clonefarm.platform.geometry.DeviceType;

/**
 * One extent to allocate: a size in cylinders or blocks of a device type, from a named group.
 * Immutable.
 *
 * @param group the EXTENT CONTROL group
 * @param deviceType 3390 or FB-512; only regions on volumes of this type serve it
 * @param size cylinders or blocks, at least 1
 */
public record ExtentRequest(String group, DeviceType deviceType, long size) {

    public ExtentRequest {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(deviceType, "deviceType");
        if (size < 1) {
            throw new IllegalArgumentException("an extent request needs at least 1 " + deviceType.unit() + ", got " + size);
        }
    }
}
