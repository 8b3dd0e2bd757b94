package org.clonefarm.worker.disk;

import java.util.Locale;

/** Which {@link MinidiskAccess} a worker uses, by its configuration name. */
public enum DiskAccessKind {
    /** z/VM: CP LINK at a free vdev, the ccw device online, its block device copied, DETACH ({@link CpMinidiskAccess}). */
    CP,
    /** The local simulation's volume images, as the CP directory file places the minidisks ({@link VolumeImageAccess}). */
    VOLUMES;

    /** The name in configuration and on the command line: {@code cp}, {@code volumes}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the allowed values */
    public static DiskAccessKind parse(String text) {
        for (DiskAccessKind kind : values()) {
            if (kind.configName().equals(text)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("disk access '" + text + "' must be cp or volumes");
    }
}
