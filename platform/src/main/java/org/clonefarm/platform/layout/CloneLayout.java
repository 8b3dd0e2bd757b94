package org.clonefarm.platform.layout;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;

/**
 * The conventions of a clone's layout, each defined once: the disk roles and their vaddrs, the NAMES
 * file the coordinator writes on the config disk and the guest agent reads, the finalize marker, where
 * the agent jar lives in the guest, where the worker puts the clone's own key, and the paths of a prepared
 * master ({@code /var/local}, the RO root's initrd, the preparation's journal). A spec may give a disk another role ({@code "0300": copy as
 * var}); the vaddrs here are what a role is when nothing says otherwise, and what the demo master and
 * the local guest runtime use. Constants only; thread-safe.
 */
public final class CloneLayout {

    /**
     * What a disk of the master (and so of each clone) holds, and the vaddr it has by convention. A disk
     * at any other vaddr has no conventional role (the contract calls it {@code other}).
     */
    public enum Role {
        /** The CMS disk with PROFILE EXEC and the NAMES file; the clones link it read-only. */
        CONFIG("0191"),
        /** The root file system, which PROFILE EXEC IPLs. */
        ROOT("0200"),
        /** Swap, a V-DISK per clone. */
        SWAP("0201"),
        /** {@code /var}: every clone has its own (the agent's spool lives there). */
        VAR("0202"),
        /** {@code /usr}, linked read-only by the clones. */
        USR("0203"),
        /** {@code /opt}. */
        OPT("0204");

        private final Vaddr vaddr;

        Role(String vaddr) {
            this.vaddr = Vaddr.of(vaddr);
        }

        /** The vaddr a disk of this role has by convention. */
        public Vaddr vaddr() {
            return vaddr;
        }

        /** The role as specs and messages write it: {@code config}, {@code root}, ... */
        public String specName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Where the file system of a disk of this role is mounted in the guest ({@code /}, {@code /var},
         * {@code /usr}, {@code /opt}), or empty for the config disk and swap.
         */
        public Optional<String> mountPoint() {
            switch (this) {
                case ROOT:
                    return Optional.of("/");
                case VAR:
                    return Optional.of("/var");
                case USR:
                    return Optional.of("/usr");
                case OPT:
                    return Optional.of("/opt");
                default:
                    return Optional.empty();
            }
        }

        /** The role whose conventional vaddr this is, or empty for any other vaddr. */
        public static Optional<Role> at(Vaddr vaddr) {
            return Arrays.stream(values()).filter(role -> role.vaddr.equals(vaddr)).findFirst();
        }
    }

    /** The NAMES file on the config disk, as text ({@code FN FT}); a constant, so option texts can name it. */
    public static final String NAMES_FILE_TEXT = "LINUX NAMES";

    /** The NAMES file on the master's config disk: the coordinator writes it, every clone's agent reads it. */
    public static final CmsFileId NAMES_FILE = CmsFileId.parse(NAMES_FILE_TEXT);

    /**
     * The finalize marker, as a path inside the guest: the master carries it, so every clone finalizes on
     * its first boot; finalize removes it when done. The agent's units test for it
     * ({@code ConditionPathExists}).
     */
    public static final String FINALIZE_MARKER = "/etc/rc.finalize";

    /** Where the guest agent's jar lives inside the guest; the agent's units run it from here. */
    public static final String AGENT_JAR = "/opt/clonefarm/clonefarm-agent.jar";

    /**
     * Where the worker writes the clone's own key (its file format: {@code messaging} {@code CloneKey}), as a
     * path relative to the root of the file system of the clone's {@link Role#VAR} disk: the one disk every
     * profile copies for the clone alone. Never on the {@link Role#CONFIG} disk or a LINKed one, which every
     * clone can read.
     */
    public static final String CLONE_KEY_IN_VAR = "lib/clonefarm/clone.key";

    /** The clone key's file as a path inside the guest, where the {@link Role#VAR} disk is /var (the agent's default). */
    public static final String CLONE_KEY = "/var/" + CLONE_KEY_IN_VAR;

    /**
     * Where a prepared master keeps the files that must stay writable although their tree is linked
     * read-only (the paper's {@code /var/local/<original location>}): {@code /usr/local/var} moves to
     * {@code /var/local/usr/local/var} and becomes a link to it. RO root: the post-mount {@code /etc}
     * files live under {@code /var/local/etc}, where the agent's {@code initrd} mode writes them.
     */
    public static final String VAR_LOCAL = "/var/local";

    /**
     * RO root: where the root sees its initrd once linuxrc has switched to the real root (the paper's
     * "old root is mounted as /initrd"); the prepared root's {@code /etc} and {@code /dev} are links into it.
     */
    public static final String INITRD_MOUNT = "/initrd";

    /**
     * RO root: where the prepared master keeps the files of its initrd ({@code etc} and {@code dev}),
     * from which the boot's initrd is made; {@code /etc} and {@code /dev} moved here.
     */
    public static final String INITRD_TREE = "/boot/clonefarm-initrd";

    /**
     * The master preparation's journal (every move before it is made), in the master's root so it goes
     * with the master's disks; {@code master prepare undo} reads it and removes it when done.
     */
    public static final String PREPARATION_JOURNAL = "/boot/clonefarm-prepare.journal";

    /**
     * The master's own list of paths its software writes at run time (one absolute path a line, {@code *}
     * for one path component, {@code #} comments), which preparation moves like the known ones.
     */
    public static final String WRITABLE_LIST = "/etc/clonefarm/writable";

    /**
     * The MAC prefix z/VM puts before a NICDEF's {@code MACID} when the system configuration's
     * {@code VMLAN MACPREFIX} is left at its default: {@code 02-00-00}, locally administered.
     */
    public static final String ZVM_DEFAULT_MAC_PREFIX = "02:00:00";

    /** Userid characters in the order of their digits in {@link #macAddress(Userid)}: 1 to 39 (0 is no character). */
    private static final String USERID_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@#$";

    private CloneLayout() {
    }

    /**
     * The MAC address of a clone's network interface when nothing else gives one (no NICDEF
     * {@code MACID}): the one rule the coordinator writes into the clone's NAMES entry as
     * {@code :macaddr.} and a guest runtime gives the clone's virtual NIC, so the agent finds its
     * interface by it. A locally administered unicast address (the first byte's two low bits are
     * {@code 10}) that encodes the userid without loss, so two userids never share a MAC: the userid is
     * read as a bijective base-39 number (A=1 ... Z=26, 0=27 ... 9=36, @=37, #=38, $=39; at most
     * 39^8 + ... + 39 &lt; 2^43), whose low 40 bits are the last five bytes and whose top 3 bits go into
     * bits 2-4 of the first byte (so the first byte is {@code 02} for userids of up to 7 characters).
     *
     * @return six lower-case hex pairs separated by colons
     */
    public static String macAddress(Userid userid) {
        long value = 0;
        for (char c : userid.value().toCharArray()) {
            value = value * 39 + USERID_DIGITS.indexOf(c) + 1;
        }
        long first = 0x02 | ((value >>> 40) << 2);
        StringBuilder mac = new StringBuilder(String.format("%02x", first));
        for (int shift = 32; shift >= 0; shift -= 8) {
            mac.append(':').append(String.format("%02x", (value >>> shift) & 0xFF));
        }
        return mac.toString();
    }

    /**
     * The MAC address z/VM gives a NIC whose NICDEF says {@code MACID macid}: the system's MAC prefix
     * ({@link #ZVM_DEFAULT_MAC_PREFIX} unless the site configured another {@code VMLAN MACPREFIX}, which
     * the farm cannot see) followed by the MACID.
     *
     * @param macid six hex digits, as the NICDEF writes them
     * @throws IllegalArgumentException when {@code macid} is not six hex digits
     */
    public static String macAddressOfMacid(String macid) {
        if (macid == null || !macid.matches("[0-9A-Fa-f]{6}")) {
            throw new IllegalArgumentException("MACID '" + macid + "' is not six hex digits");
        }
        String id = macid.toLowerCase(Locale.ROOT);
        return ZVM_DEFAULT_MAC_PREFIX + ":" + id.substring(0, 2) + ":" + id.substring(2, 4) + ":" + id.substring(4);
    }

    /**
     * Where a path inside the guest ({@link #FINALIZE_MARKER}, {@link #AGENT_JAR}, {@link #CLONE_KEY}) is when the guest's root
     * file system is at {@code root}.
     *
     * @throws IllegalArgumentException if {@code guestPath} is not absolute
     */
    public static Path inRoot(Path root, String guestPath) {
        if (!guestPath.startsWith("/")) {
            throw new IllegalArgumentException("'" + guestPath + "' is not an absolute path inside the guest");
        }
        return root.resolve(guestPath.substring(1));
    }
}
