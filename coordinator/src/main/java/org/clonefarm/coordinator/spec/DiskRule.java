package org.clonefarm.coordinator.spec;

import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.proto.DiskAction;
import org.clonefarm.proto.DiskRole;

/**
 * What a spec says about one of the master's disks: copy it into each clone, link it, or give each
 * clone a V-DISK. Written as {@code "0200": copy}, {@code "0201": vdisk 524288} or
 * {@code "0300": copy as var}; without {@code as}, the role follows the layout's convention
 * ({@link CloneLayout.Role}: 0191 config, 0200 root, 0201 swap, 0202 var, 0203 usr, 0204 opt; any
 * other vaddr "other").
 *
 * @param vaddr 4 upper-case hex digits
 * @param action copy, link or vdisk
 * @param vdiskBlocks the V-DISK's size in 512-byte blocks, 0 for other actions
 * @param role what the disk holds
 */
public record DiskRule(String vaddr, DiskAction action, long vdiskBlocks, DiskRole role) {

    /** The conventional role of a vaddr ({@link CloneLayout.Role#at}), as the contract writes it. */
    public static DiskRole conventionalRole(String vaddr) {
        return CloneLayout.Role.at(Vaddr.of(vaddr)).map(DiskRule::contractRole).orElse(DiskRole.DISK_ROLE_OTHER);
    }

    /** A layout role as the contract writes it: the enum constant of the same name. */
    public static DiskRole contractRole(CloneLayout.Role role) {
        return DiskRole.valueOf("DISK_ROLE_" + role.name());
    }

    /** The role as written after {@code as}: config, root, swap, var, usr, opt, other. */
    public static DiskRole roleFromSpecName(String name) {
        try {
            return DiskRole.valueOf("DISK_ROLE_" + name.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public static String roleSpecName(DiskRole role) {
        return role.name().substring("DISK_ROLE_".length()).toLowerCase(java.util.Locale.ROOT);
    }

    /** The rule as written in a spec. */
    public String specText() {
        String text = switch (action) {
            case DISK_ACTION_COPY -> "copy";
            case DISK_ACTION_LINK -> "link";
            case DISK_ACTION_VDISK -> "vdisk " + vdiskBlocks;
            default -> throw new IllegalStateException("no spec text for " + action);
        };
        return role == conventionalRole(vaddr) ? text : text + " as " + roleSpecName(role);
    }
}
