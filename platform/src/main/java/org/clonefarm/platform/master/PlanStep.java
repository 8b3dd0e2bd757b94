package org.clonefarm.platform.master;

import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * One step of a {@link RelocationPlan}, as the journal records it before the step is made. Paths are
 * paths inside the master ({@code /usr/local/var}), not on the host. Each step is written so that running
 * it again after a crash at any point finishes it, and so that it can be undone from any state it leaves.
 */
public sealed interface PlanStep permits PlanStep.MakeDirectory, PlanStep.Relink, PlanStep.Move, PlanStep.Link {

    /** The path this step changes. */
    String path();

    /** Where a moved entry goes, by the paper's split. */
    enum Stage {
        /** A writable file of a tree that becomes read-only: to {@code /var/local/<original path>}. */
        WRITABLE,
        /** RO root: {@code /etc}, needed before anything is mounted: into the initrd. */
        PRE_MOUNT,
        /** RO root: an {@code /etc} file that lives on the clone's /var: to {@code /var/local/etc}, linked from the initrd. */
        POST_MOUNT
    }

    /**
     * Creates a directory that a destination needs, with the mode and owner of the directory it stands for
     * ({@code /var/local/usr} gets those of {@code /usr}). Undo removes it.
     *
     * @param mode the full {@code st_mode} permission bits, setgid and sticky included
     */
    record MakeDirectory(String path, int mode, int uid, int gid, String reason) implements PlanStep {
        public MakeDirectory {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * Rewrites a relative link inside a moved entry whose target lies outside it, to the absolute path it
     * meant ({@code /etc/os-release -> ../usr/lib/os-release} becomes {@code -> /usr/lib/os-release}), so it
     * still resolves from the new place. The new link keeps the old one's owner and time; undo writes the old
     * target back.
     */
    record Relink(String path, String oldTarget, String newTarget, int uid, int gid, FileTime mtime) implements PlanStep {
        public Relink {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(oldTarget, "oldTarget");
            Objects.requireNonNull(newTarget, "newTarget");
            Objects.requireNonNull(mtime, "mtime");
        }
    }

    /**
     * Moves an entry (a file, a link, a device or a whole directory) to {@code destination} and leaves a
     * link to {@code linkTarget} in its place. The link target is what the path is called when the clone
     * runs ({@code /initrd/etc}), which may differ from where the entry is kept on the master's disks
     * ({@code /boot/clonefarm-initrd/etc}).
     *
     * @param type what the entry is ({@code directory}, {@code file}, {@code link}, ...)
     * @param entries how many entries it holds, itself included
     * @param bytes the sizes of its regular files
     */
    record Move(String path, Stage stage, String destination, String linkTarget, String type, long entries, long bytes,
            String reason) implements PlanStep {
        public Move {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(stage, "stage");
            Objects.requireNonNull(destination, "destination");
            Objects.requireNonNull(linkTarget, "linkTarget");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * RO root: a post-mount file the master does not have yet gets its link anyway (the agent writes the
     * file under {@code /var/local/etc} at the clone's boot). Undo removes the link.
     */
    record Link(String path, String target, String reason) implements PlanStep {
        public Link {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
