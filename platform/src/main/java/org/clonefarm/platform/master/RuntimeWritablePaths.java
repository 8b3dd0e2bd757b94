package org.clonefarm.platform.master;

import java.util.List;
import java.util.Objects;
import org.clonefarm.platform.layout.CloneLayout;

/**
 * Where a Linux system writes at run time inside the trees that a profile makes read-only, each rule with
 * why; preparation moves what these match to {@code /var/local/<original path>} and links it back. The
 * master adds its own in {@code /etc/clonefarm/writable} ({@link org.clonefarm.platform.layout.CloneLayout#WRITABLE_LIST}).
 *
 * <p><b>How the {@code /usr} and {@code /opt} rules were decided</b> (measured on Debian 12 made with
 * {@code mmdebstrap --variant=important} plus systemd-sysv, udev, ifupdown, openjdk-17-jre-headless,
 * python3, openssh-server, man-db and locales; {@code docs/master.md} has the run): every file under
 * {@code /usr} that no package's file list owns is made by a package's maintainer script or trigger
 * (alternatives links, {@code hwdb.bin}, {@code info/dir}, Python's {@code __pycache__}), that is when
 * packages change, which happens on the master, whose {@code /usr} the clones link again. Then a chroot
 * ran what a running system does (systemd-tmpfiles, sysusers, ldconfig, hwdb update, the journal catalog,
 * machine-id, SSH host keys, Python and Java programs, mandb, apt-get update, locale-gen, user changes,
 * interactive shells) and nothing under {@code /usr} or {@code /opt} changed: Debian writes there only
 * through dpkg (Debian Policy 9.1, FHS 3.0 4.1: {@code /usr} is shareable, read-only data). What does
 * write there is software outside Debian: built with {@code ./configure}'s default prefix it keeps its
 * state in {@code /usr/local/var}; add-on packages in {@code /opt} often keep logs and state in their
 * own tree instead of {@code /var/opt}. Those are the rules below. For a RO root the whole root is
 * read-only: {@code /etc} goes to the initrd (not a rule: every RO-root preparation moves it; {@code /dev}
 * stays, a devtmpfs is mounted over it at every boot), and the root's writable directories are the rules marked {@code rootOnly}.
 *
 * <p>Constants only; thread-safe.
 */
public final class RuntimeWritablePaths {

    /**
     * One rule: a path inside the master, where a {@code *} part stands for any one entry of its directory.
     *
     * @param rootOnly whether it matters only when the root is read-only (RO root)
     */
    public record Rule(String pattern, boolean rootOnly, String why) {
        public Rule {
            Objects.requireNonNull(pattern, "pattern");
            Objects.requireNonNull(why, "why");
        }
    }

    private static final String OPT_WHY = "add-on software keeps variable data in its own tree here instead of /var/opt";

    /** The rules, in the order analysis lists what they match. */
    public static final List<Rule> RULES = List.of(
            new Rule("/usr/local/var", false,
                    "software built with ./configure's default prefix /usr/local keeps its run-time state here"),
            new Rule("/opt/*/var", false, OPT_WHY),
            new Rule("/opt/*/log", false, OPT_WHY),
            new Rule("/opt/*/logs", false, OPT_WHY),
            new Rule("/opt/*/run", false, OPT_WHY),
            new Rule("/opt/*/tmp", false, OPT_WHY),
            new Rule("/opt/*/temp", false, OPT_WHY),
            new Rule("/opt/*/cache", false, OPT_WHY),
            new Rule("/tmp", true, "every program's temporary files (Debian 12 keeps /tmp on the root unless tmp.mount is on)"),
            new Rule("/root", true, "root's home: shell history, editors' and tools' state"),
            new Rule("/home", true, "the users' homes"));

    /** Why a path the master lists in its own {@code /etc/clonefarm/writable} moves. */
    public static final String DECLARED_WHY = "listed by the master in " + CloneLayout.WRITABLE_LIST;

    private RuntimeWritablePaths() {
    }
}
