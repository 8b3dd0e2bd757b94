package org.clonefarm.agent.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a list of {@link FileChange}s all or nothing.
 *
 * <ol>
 *   <li>Stage: every new content goes to a temporary file beside its target, forced to disk.
 *       A failure here changes no target.</li>
 *   <li>Keep: every existing target gets a hard link {@code .<name>.clonefarm-old} (a symlink is
 *       remembered by its text), so the old file survives its replacement.</li>
 *   <li>Apply: atomic renames of the staged files over their targets, then the deletions.</li>
 *   <li>On a failure while applying, every applied change is undone from the kept links, in reverse,
 *       and the error is thrown with any undo error added as suppressed.</li>
 *   <li>Finish: the kept links and temporaries are removed and every touched directory is forced.</li>
 * </ol>
 *
 * A crash in the middle may leave some files new and some old; the finalize marker is still there
 * then, so the next boot runs finalize again and writes the same files (every change is
 * idempotent), and leftover {@code .clonefarm-*} files are cleaned up by that run. Not thread-safe:
 * one transaction per agent run.
 */
public final class FileTransaction {
    private static final Logger LOG = LoggerFactory.getLogger(FileTransaction.class);
    static final String NEW_SUFFIX = ".clonefarm-new";
    static final String OLD_SUFFIX = ".clonefarm-old";

    private final GuestPaths paths;

    public FileTransaction(GuestPaths paths) {
        this.paths = paths;
    }

    /** What was kept of one target before it was replaced or deleted. */
    private static final class Slot {
        final FileChange change;
        final Path target;
        Path staged;
        Path kept;
        String keptLinkText;
        boolean existed;
        boolean applied;

        Slot(FileChange change, Path target) {
            this.change = change;
            this.target = target;
        }
    }

    /**
     * Applies every change or none.
     *
     * @return the guest paths changed, in order, as reported (relocated paths for a RO-root initrd)
     * @throws IOException naming the file that failed; then every target has its old content again
     */
    public List<String> apply(List<FileChange> changes) throws IOException {
        List<Slot> slots = new ArrayList<>();
        Set<Path> directories = new LinkedHashSet<>();
        List<Path> createdDirectories = new ArrayList<>();
        boolean done = false;
        for (FileChange change : changes) {
            Path target = paths.resolve(change.guestPath());
            slots.add(new Slot(change, target));
            directories.add(target.getParent());
            cleanLeftovers(target);
        }
        try {
            for (Slot slot : slots) {
                stage(slot, createdDirectories);
            }
            for (Slot slot : slots) {
                keep(slot);
            }
            try {
                for (Slot slot : slots) {
                    applyOne(slot);
                }
            } catch (IOException | RuntimeException e) {
                undo(slots, e);
                throw e;
            }
            for (Path directory : directories) {
                if (Files.isDirectory(directory)) {
                    org.clonefarm.platform.io.DurableFiles.forceDirectory(directory);
                }
            }
            done = true;
        } finally {
            for (Slot slot : slots) {
                if (slot.staged != null) {
                    Files.deleteIfExists(slot.staged);
                }
                if (slot.kept != null) {
                    Files.deleteIfExists(slot.kept);
                }
            }
            if (!done) {
                removeEmpty(createdDirectories);
            }
        }
        List<String> reported = new ArrayList<>();
        for (FileChange change : changes) {
            reported.add(paths.reported(change.guestPath()));
        }
        return reported;
    }

    private static Path sibling(Path target, String suffix) {
        return target.resolveSibling("." + target.getFileName() + suffix);
    }

    private static void cleanLeftovers(Path target) throws IOException {
        Path staleNew = sibling(target, NEW_SUFFIX);
        Path staleOld = sibling(target, OLD_SUFFIX);
        if (Files.deleteIfExists(staleNew) | Files.deleteIfExists(staleOld)) {
            LOG.info("removed leftovers of an interrupted run beside {}", target);
        }
    }

    private void stage(Slot slot, List<Path> createdDirectories) throws IOException {
        if (slot.change.isDelete()) {
            return;
        }
        Path target = slot.target;
        List<Path> missing = new ArrayList<>();
        for (Path dir = target.getParent(); dir != null && !Files.exists(dir); dir = dir.getParent()) {
            missing.add(dir);
        }
        Files.createDirectories(target.getParent());
        createdDirectories.addAll(missing);
        Path staged = sibling(target, NEW_SUFFIX);
        slot.staged = staged;
        try (FileChannel channel = FileChannel.open(staged, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(slot.change.content());
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        } catch (IOException e) {
            throw new IOException("cannot stage the new " + target + " in " + staged + ": " + e, e);
        }
        Set<PosixFilePermission> mode = Files.isRegularFile(target)
                ? Files.getPosixFilePermissions(target)
                : PosixFilePermissions.fromString(slot.change.mode());
        Files.setPosixFilePermissions(staged, mode);
    }

    /** Removes the directories this transaction created, deepest first, where they are empty again. */
    private static void removeEmpty(List<Path> createdDirectories) {
        List<Path> deepestFirst = new ArrayList<>(createdDirectories);
        deepestFirst.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
        for (Path dir : deepestFirst) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                LOG.warn("cannot remove the directory {} created for a failed change: {}", dir, e.toString());
            }
        }
    }

    private void keep(Slot slot) throws IOException {
        Path target = slot.target;
        if (Files.isSymbolicLink(target)) {
            slot.existed = true;
            slot.keptLinkText = Files.readSymbolicLink(target).toString();
        } else if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            slot.existed = true;
            Path kept = sibling(target, OLD_SUFFIX);
            try {
                Files.createLink(kept, target);
            } catch (IOException | UnsupportedOperationException e) {
                Files.copy(target, kept, StandardCopyOption.COPY_ATTRIBUTES);
            }
            slot.kept = kept;
        }
    }

    private void applyOne(Slot slot) throws IOException {
        Path target = slot.target;
        try {
            if (slot.change.isDelete()) {
                if (slot.existed) {
                    Files.delete(target);
                    slot.applied = true;
                }
            } else {
                Files.move(slot.staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                slot.staged = null;
                slot.applied = true;
            }
        } catch (IOException e) {
            throw new IOException("cannot " + (slot.change.isDelete() ? "delete " : "replace ") + target + ": " + e, e);
        }
    }

    private void undo(List<Slot> slots, Exception cause) {
        for (int i = slots.size() - 1; i >= 0; i--) {
            Slot slot = slots.get(i);
            if (!slot.applied) {
                continue;
            }
            try {
                if (slot.kept != null) {
                    Files.move(slot.kept, slot.target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    slot.kept = null;
                } else if (slot.keptLinkText != null) {
                    Files.deleteIfExists(slot.target);
                    Files.createSymbolicLink(slot.target, Path.of(slot.keptLinkText));
                } else {
                    Files.deleteIfExists(slot.target);
                }
            } catch (IOException | RuntimeException undoError) {
                cause.addSuppressed(new IOException("cannot restore " + slot.target + ": " + undoError, undoError));
            }
        }
    }
}
