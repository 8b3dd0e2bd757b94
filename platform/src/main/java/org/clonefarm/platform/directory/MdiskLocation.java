package org.clonefarm.platform.directory;

import java.util.List;
import java.util.Objects;

/**
 * Where an MDISK's data is: an extent of a volume, a V-DISK or T-DISK, a whole real device, or (in
 * a DirMaint prototype only) a size still to be allocated from a group. Immutable records.
 */
public sealed interface MdiskLocation {

    /** Size marker of an extent that runs to the end of its volume ({@code END}). */
    long END = -1;

    /** The words this location prints as, after the device type. */
    List<String> tokens();

    /**
     * {@code start size|END volid}: cylinders (3390) or blocks (FB-512) of a volume.
     *
     * @param start first cylinder or block
     * @param size cylinders or blocks, or {@link MdiskLocation#END}
     * @param volid the volume serial, or {@code &SYSRES}
     */
    record OnVolume(long start, long size, String volid) implements MdiskLocation {
        public OnVolume {
            Objects.requireNonNull(volid, "volid");
            if (start < 0) {
                throw new IllegalArgumentException("start " + start + " on " + volid + " is negative");
            }
            if (size < 1 && size != END) {
                throw new IllegalArgumentException("size " + size + " on " + volid + " must be at least 1 or END");
            }
        }

        @Override
        public List<String> tokens() {
            return List.of(Long.toString(start), size == END ? "END" : Long.toString(size), volid);
        }
    }

    /**
     * {@code V-DISK blocks}: an FB-512 disk in CP storage, created empty at logon.
     *
     * @param blocks 1 to {@link org.clonefarm.platform.geometry.Fba#VDISK_MAX_BLOCKS}
     */
    record VDisk(long blocks) implements MdiskLocation {
        public VDisk {
            if (!org.clonefarm.platform.geometry.Fba.isValidVdiskSize(blocks)) {
                throw new IllegalArgumentException("V-DISK of " + blocks + " blocks: a V-DISK has 1 to "
                        + org.clonefarm.platform.geometry.Fba.VDISK_MAX_BLOCKS + " blocks");
            }
        }

        @Override
        public List<String> tokens() {
            return List.of("V-DISK", Long.toString(blocks));
        }
    }

    /**
     * {@code T-DISK size}: temporary disk space from CP's pool, gone at logoff.
     *
     * @param size cylinders or blocks
     */
    record TDisk(long size) implements MdiskLocation {
        public TDisk {
            if (size < 1) {
                throw new IllegalArgumentException("T-DISK size must be at least 1, got " + size);
            }
        }

        @Override
        public List<String> tokens() {
            return List.of("T-DISK", Long.toString(size));
        }
    }

    /**
     * {@code DEVNO rdev}: a full-pack minidisk on real device {@code rdev}.
     *
     * @param rdev the real device number as written (1-4 hex digits)
     */
    record Devno(String rdev) implements MdiskLocation {
        public Devno {
            Objects.requireNonNull(rdev, "rdev");
        }

        @Override
        public List<String> tokens() {
            return List.of("DEVNO", rdev);
        }
    }

    /**
     * {@code AUTOG size group}: DirMaint's automatic allocation of {@code size} units from a group of
     * regions. Only valid in a prototype; {@link Prototype#like} replaces it with a concrete extent.
     *
     * @param size cylinders or blocks to allocate
     * @param group the EXTENT CONTROL group name
     */
    record AutoGroup(long size, String group) implements MdiskLocation {
        public AutoGroup {
            Objects.requireNonNull(group, "group");
            if (size < 1) {
                throw new IllegalArgumentException("AUTOG size must be at least 1, got " + size);
            }
        }

        @Override
        public List<String> tokens() {
            return List.of("AUTOG", Long.toString(size), group);
        }
    }
}
