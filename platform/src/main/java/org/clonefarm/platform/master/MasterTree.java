package org.clonefarm.platform.master;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.master.internal.GuestPathNames;

/**
 * A master's root file system as a directory of this host, with its {@code /var}, {@code /usr} and
 * {@code /opt} below it (mounted there or plain directories). Paths inside the master are resolved
 * below the directory and <em>never through a link</em>: a master's links are absolute paths of the
 * master ({@code /etc -> /initrd/etc}), which on this host would point into the host's own tree.
 * Immutable and thread-safe; the tree itself is not locked.
 */
public final class MasterTree {
    private final Path root;

    private MasterTree(Path root) {
        this.root = root;
    }

    /**
     * The master whose root is {@code dir}.
     *
     * @throws PreparationException {@link PreparationException.Reason#RUNNING_SYSTEM} for {@code /},
     *     {@link PreparationException.Reason#NOT_A_LINUX_TREE} when {@code dir} has no {@code /usr} and
     *     {@code /var} directories and no os-release (nor a preparation journal)
     */
    public static MasterTree at(Path dir) throws PreparationException {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (NoSuchFileException e) {
            throw new PreparationException(PreparationException.Reason.NOT_A_LINUX_TREE, dir + " does not exist.");
        } catch (IOException e) {
            throw new PreparationException(PreparationException.Reason.NOT_A_LINUX_TREE, "cannot read " + dir + ": " + e + ".");
        }
        if (real.getParent() == null) {
            throw new PreparationException(PreparationException.Reason.RUNNING_SYSTEM, dir + " is the root of the system this"
                    + " runs on; preparation changes a master's disks mounted elsewhere, never the running system.");
        }
        if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new PreparationException(PreparationException.Reason.NOT_A_LINUX_TREE, dir + " is not a directory.");
        }
        MasterTree tree = new MasterTree(real);
        List<String> missing = new ArrayList<>();
        for (String dirPath : List.of("/usr", "/var")) {
            if (!Files.isDirectory(tree.resolve(dirPath), LinkOption.NOFOLLOW_LINKS)) {
                missing.add(dirPath);
            }
        }
        boolean osRelease = tree.exists("/etc/os-release") || tree.exists("/usr/lib/os-release")
                || tree.exists(CloneLayout.PREPARATION_JOURNAL);
        if (!osRelease) {
            missing.add("os-release file (/etc/os-release or /usr/lib/os-release)");
        }
        if (!missing.isEmpty()) {
            String last = missing.remove(missing.size() - 1);
            throw new PreparationException(PreparationException.Reason.NOT_A_LINUX_TREE, dir + " is not the root file system"
                    + " of a Linux system: it has no " + (missing.isEmpty() ? "" : String.join(", no ", missing) + " and no ")
                    + last + ".");
        }
        return tree;
    }

    /** The directory on this host. */
    public Path root() {
        return root;
    }

    /** Where a path inside the master is on this host (lexically: links on the way are not looked at). */
    public Path resolve(String guestPath) {
        GuestPathNames.require(guestPath);
        return guestPath.equals("/") ? root : root.resolve(guestPath.substring(1));
    }

    /**
     * Whether the path has an entry, checked without following any link: false when a directory on the
     * way is a link or missing.
     */
    public boolean exists(String guestPath) {
        return !behindLink(guestPath) && Files.exists(resolve(guestPath), LinkOption.NOFOLLOW_LINKS);
    }

    /** Whether a directory on the way to {@code guestPath} (not the last part) is a link or not a directory. */
    public boolean behindLink(String guestPath) {
        String dir = GuestPathNames.parent(GuestPathNames.require(guestPath));
        while (!dir.equals("/")) {
            if (!Files.isDirectory(resolve(dir), LinkOption.NOFOLLOW_LINKS)) {
                return true;
            }
            dir = GuestPathNames.parent(dir);
        }
        return false;
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
