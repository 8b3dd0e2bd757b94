package org.clonefarm.platform.directory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.volume.Extent;

/**
 * {@code MDISK vaddr devtype location [mode [readpw [writepw [multipw]]]]}: a minidisk of the entry.
 * Examples: {@code MDISK 0200 3390 3340 1800 LX0001 MR}, {@code MDISK 0201 FB-512 V-DISK 524288 MR}.
 * Immutable.
 *
 * @param vaddr the minidisk's address
 * @param deviceType 3390 or FB-512
 * @param location where its data is
 * @param mode the owner's access mode (R, RR, W, WR, M, MR, MW with an optional suffix), or {@code null}
 * @param passwords read, write and multi-write passwords as written (0-3 words; needs a mode)
 */
public record MdiskStatement(Vaddr vaddr, DeviceType deviceType, MdiskLocation location, String mode,
        List<String> passwords) implements Statement {

    public MdiskStatement {
        Objects.requireNonNull(vaddr, "vaddr");
        Objects.requireNonNull(deviceType, "deviceType");
        Objects.requireNonNull(location, "location");
        passwords = List.copyOf(passwords);
        if (mode != null && !LinkMode.isValid(mode)) {
            throw new IllegalArgumentException("MDISK " + vaddr + ": '" + mode + "' is not an access mode");
        }
        if (mode == null && !passwords.isEmpty() || passwords.size() > 3) {
            throw new IllegalArgumentException("MDISK " + vaddr + ": passwords need a mode and are at most three");
        }
        if (location instanceof MdiskLocation.VDisk && deviceType != DeviceType.FB_512) {
            throw new IllegalArgumentException("MDISK " + vaddr + ": a V-DISK is an FB-512 device");
        }
    }

    /** A minidisk on an extent of a volume. */
    public static MdiskStatement onExtent(Vaddr vaddr, Extent extent, String mode) {
        return new MdiskStatement(vaddr, extent.deviceType(),
                new MdiskLocation.OnVolume(extent.start(), extent.size(), extent.volser().value()), mode, List.of());
    }

    /**
     * The extent this minidisk occupies, when it is on a named volume with a concrete size; empty
     * for V-DISK, T-DISK, DEVNO, AUTOG, {@code END} sizes and {@code &SYSRES}.
     */
    public Optional<Extent> extent() {
        if (location instanceof MdiskLocation.OnVolume on && on.size() != MdiskLocation.END && Volser.isValid(on.volid())) {
            return Optional.of(new Extent(new Volser(on.volid()), deviceType, on.start(), on.size()));
        }
        return Optional.empty();
    }

    /** The extent on a named volume, with {@code END} resolved against a volume of {@code volumeSize} units. */
    public Optional<Extent> extent(long volumeSize) {
        if (location instanceof MdiskLocation.OnVolume on && on.size() == MdiskLocation.END && Volser.isValid(on.volid())) {
            long size = volumeSize - on.start();
            return size < 1 ? Optional.empty() : Optional.of(new Extent(new Volser(on.volid()), deviceType, on.start(), size));
        }
        return extent();
    }

    /** The volume the minidisk is on, when it is on one. */
    public Optional<String> volid() {
        return location instanceof MdiskLocation.OnVolume on ? Optional.of(on.volid()) : Optional.empty();
    }

    /** This minidisk on another location, same address, device type, mode and passwords. */
    public MdiskStatement withLocation(MdiskLocation newLocation) {
        return new MdiskStatement(vaddr, deviceType, newLocation, mode, passwords);
    }

    @Override
    public String keyword() {
        return "MDISK";
    }

    @Override
    public List<String> tokens() {
        List<String> tokens = new ArrayList<>(List.of("MDISK", vaddr.value(), deviceType.directoryName()));
        tokens.addAll(location.tokens());
        if (mode != null) {
            tokens.add(mode);
        }
        tokens.addAll(passwords);
        return tokens;
    }
}
