package org.clonefarm.platform.master.internal;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.clonefarm.platform.io.DurableFiles;
import org.clonefarm.platform.io.HostTool;
import org.clonefarm.platform.master.MasterTree;
import org.clonefarm.platform.master.PlanStep;
import org.clonefarm.platform.io.FileTrees;

/**
 * Makes and unmakes the steps of a plan on a master tree. Every method looks at the tree first and does
 * only what is still missing, so running it again after a crash at any point finishes the step (apply) or
 * takes it back (undo); a state that neither explains throws {@link TreeChangedException}.
 *
 * <p>How an entry moves: within one file system by {@code rename(2)}, which keeps the inode and so
 * everything about it, then the directories are forced. To another file system (the master's /var is
 * its own disk) by {@code cp} into a temporary name beside the destination, preserving mode, owners,
 * times, hard links and extended attributes, {@code sync --file-system}, rename to the destination and
 * force, and only then the original is deleted: a crash leaves the original whole, or a complete copy.
 * The copy's directories then get their originals' modes exactly ({@code cp} keeps a setgid bit that a
 * directory inherits from a setgid parent such as Debian's {@code /var/local}).
 * Every link and directory entry this class makes is forced to disk before the step counts as done. Not
 * thread-safe.
 */
public final class StepRunner {
    private static final String TEMP_SUFFIX = ".clonefarm-prepare.tmp";
    private static final Duration TOOL_TIMEOUT = Duration.ofHours(2);

    private final MasterTree tree;

    public StepRunner(MasterTree tree) {
        this.tree = tree;
    }

    /** The tree is not in a state the journal explains. */
    public static final class TreeChangedException extends Exception {
        private static final long serialVersionUID = 1L;

        TreeChangedException(String message) {
            super(message);
        }
    }

    /** Makes {@code step}, or finishes it. */
    public void apply(PlanStep step) throws IOException, TreeChangedException {
        if (step instanceof PlanStep.MakeDirectory mkdir) {
            makeDirectory(mkdir);
        } else if (step instanceof PlanStep.Relink relink) {
            relink(relink.path(), relink.oldTarget(), relink.newTarget(), relink);
        } else if (step instanceof PlanStep.Move move) {
            move(move);
        } else if (step instanceof PlanStep.Link link) {
            link(link);
        }
    }

    /** Takes {@code step} back, from whatever state a finished or interrupted apply left. */
    public void undo(PlanStep step) throws IOException, TreeChangedException {
        if (step instanceof PlanStep.MakeDirectory mkdir) {
            removeDirectory(mkdir);
        } else if (step instanceof PlanStep.Relink relink) {
            relink(relink.path(), relink.newTarget(), relink.oldTarget(), relink);
        } else if (step instanceof PlanStep.Move move) {
            moveBack(move);
        } else if (step instanceof PlanStep.Link link) {
            unlink(link);
        }
    }

    /** Sets a directory's modification time (the access time stays). */
    public void setTime(String dir, FileTime time) throws IOException {
        Path path = tree.resolve(dir);
        if (!tree.behindLink(dir) && Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            Files.getFileAttributeView(path, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(time, null, null);
        }
    }

    // ---- directories

    private void makeDirectory(PlanStep.MakeDirectory step) throws IOException, TreeChangedException {
        Path dir = tree.resolve(step.path());
        Optional<Inode> inode = Inode.of(dir);
        if (inode.isPresent() && !inode.get().isDirectory()) {
            throw new TreeChangedException(step.path() + " is a " + inode.get().type() + " where preparation makes a directory");
        }
        if (inode.isEmpty()) {
            Files.createDirectory(dir);
        }
        Files.setAttribute(dir, "unix:uid", step.uid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(dir, "unix:gid", step.gid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(dir, "unix:mode", step.mode(), LinkOption.NOFOLLOW_LINKS);
        DurableFiles.forceDirectory(dir.getParent());
    }

    private void removeDirectory(PlanStep.MakeDirectory step) throws IOException, TreeChangedException {
        Path dir = tree.resolve(step.path());
        Optional<Inode> inode = Inode.of(dir);
        if (inode.isEmpty()) {
            return;
        }
        if (!inode.get().isDirectory()) {
            throw new TreeChangedException(step.path() + " is a " + inode.get().type() + ", not the directory preparation made");
        }
        try (Stream<Path> list = Files.list(dir)) {
            List<String> left = list.limit(5).map(p -> p.getFileName().toString()).toList();
            if (!left.isEmpty()) {
                throw new TreeChangedException(step.path() + " holds entries that preparation did not put there ("
                        + String.join(", ", left) + ")");
            }
        }
        Files.delete(dir);
        DurableFiles.forceDirectory(dir.getParent());
    }

    // ---- links

    private void relink(String link, String from, String to, PlanStep.Relink step) throws IOException, TreeChangedException {
        Path path = tree.resolve(link);
        Optional<Inode> inode = Inode.of(path);
        if (inode.isEmpty() || !inode.get().isLink()) {
            throw new TreeChangedException(link + " is " + inode.map(i -> "a " + i.type()).orElse("missing")
                    + " where preparation rewrites a link");
        }
        String target = Files.readSymbolicLink(path).toString();
        if (target.equals(to)) {
            return;
        }
        if (!target.equals(from)) {
            throw new TreeChangedException(link + " points to " + target + ", neither " + from + " nor " + to);
        }
        Path temp = temporary(path);
        Files.deleteIfExists(temp);
        Files.createSymbolicLink(temp, Path.of(to));
        Files.setAttribute(temp, "unix:uid", step.uid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(temp, "unix:gid", step.gid(), LinkOption.NOFOLLOW_LINKS);
        // Java sets a link's time with lutimes, to the microsecond; touch -h uses utimensat, to the nanosecond
        java.time.Instant mtime = step.mtime().toInstant();
        tool(List.of("touch", "--no-dereference", "--date=@" + mtime.getEpochSecond() + "." + String.format("%09d", mtime.getNano()),
                "--", temp.toString()));
        Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        DurableFiles.forceDirectory(path.getParent());
    }

    private void link(PlanStep.Link step) throws IOException, TreeChangedException {
        Path path = tree.resolve(step.path());
        Optional<Inode> inode = Inode.of(path);
        if (inode.isPresent()) {
            if (isLinkTo(path, inode, step.target())) {
                return;
            }
            throw new TreeChangedException(step.path() + " exists (a " + inode.get().type() + ") where preparation makes a link"
                    + " to " + step.target());
        }
        Files.createSymbolicLink(path, Path.of(step.target()));
        DurableFiles.forceDirectory(path.getParent());
    }

    private void unlink(PlanStep.Link step) throws IOException, TreeChangedException {
        Path path = tree.resolve(step.path());
        Optional<Inode> inode = Inode.of(path);
        if (inode.isEmpty()) {
            return;
        }
        if (!isLinkTo(path, inode, step.target())) {
            throw new TreeChangedException(step.path() + " is no longer the link to " + step.target() + " that preparation made");
        }
        Files.delete(path);
        DurableFiles.forceDirectory(path.getParent());
    }

    // ---- moves

    private void move(PlanStep.Move step) throws IOException, TreeChangedException {
        Path source = tree.resolve(step.path());
        Path destination = tree.resolve(step.destination());
        FileTrees.deleteTree(temporary(destination));
        Optional<Inode> here = Inode.of(source);
        Optional<Inode> there = Inode.of(destination);
        boolean linked = isLinkTo(source, here, step.linkTarget());
        if (linked) {
            if (there.isEmpty()) {
                throw new TreeChangedException(step.path() + " is already the link to " + step.linkTarget() + " but "
                        + step.destination() + ", where its content went, is missing");
            }
            return;
        }
        if (here.isPresent() && there.isEmpty()) {
            transfer(source, destination);
        } else if (here.isPresent()) {
            // a copy to another file system was complete (renamed into place) before the original was all deleted
            requireOtherFileSystems(step.path(), step.destination());
            FileTrees.deleteTree(source);
            DurableFiles.forceDirectory(source.getParent());
        } else if (there.isEmpty()) {
            throw new TreeChangedException("neither " + step.path() + " nor " + step.destination() + " exists");
        }
        Files.createSymbolicLink(source, Path.of(step.linkTarget()));
        DurableFiles.forceDirectory(source.getParent());
    }

    private void moveBack(PlanStep.Move step) throws IOException, TreeChangedException {
        Path source = tree.resolve(step.path());
        Path destination = tree.resolve(step.destination());
        FileTrees.deleteTree(temporary(source));
        FileTrees.deleteTree(temporary(destination));
        Optional<Inode> here = Inode.of(source);
        Optional<Inode> there = Inode.of(destination);
        if (isLinkTo(source, here, step.linkTarget())) {
            if (there.isEmpty()) {
                throw new TreeChangedException(step.path() + " is the link to " + step.linkTarget() + " but "
                        + step.destination() + ", which holds its content, is missing");
            }
            Files.delete(source);
            DurableFiles.forceDirectory(source.getParent());
            here = Optional.empty();
        }
        if (here.isEmpty()) {
            if (there.isEmpty()) {
                throw new TreeChangedException("neither " + step.path() + " nor " + step.destination() + " exists");
            }
            transfer(destination, source);
        } else if (there.isPresent()) {
            // the copy back to another file system was complete before the moved entry was all deleted
            requireOtherFileSystems(step.path(), step.destination());
            FileTrees.deleteTree(destination);
            DurableFiles.forceDirectory(destination.getParent());
        }
    }

    /** Moves {@code from} to {@code to} (absent), durably; see the class comment. */
    private void transfer(Path from, Path to) throws IOException {
        if (sameFileSystem(from.getParent(), to.getParent())) {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.forceDirectory(to.getParent());
            DurableFiles.forceDirectory(from.getParent());
            return;
        }
        Path temp = temporary(to);
        FileTrees.deleteTree(temp);
        tool(List.of("cp", "--no-dereference", "--recursive", "--preserve=mode,ownership,timestamps,links,xattr",
                "--no-target-directory", "--", from.toString(), temp.toString()));
        copyDirectoryModes(from, temp);
        tool(List.of("sync", "--file-system", temp.toString()));
        Files.move(temp, to, StandardCopyOption.ATOMIC_MOVE);
        DurableFiles.forceDirectory(to.getParent());
        FileTrees.deleteTree(from);
        DurableFiles.forceDirectory(from.getParent());
    }

    /**
     * Gives every directory of the copy its original's mode exactly: a directory made inside a setgid
     * directory (Debian's /var/local is 2775) inherits the setgid bit, and {@code cp} leaves it set.
     */
    private static void copyDirectoryModes(Path original, Path copy) throws IOException {
        Files.walkFileTree(original, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                int mode = Inode.of(dir).orElseThrow().permissions();
                Files.setAttribute(copy.resolve(original.relativize(dir)), "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private void requireOtherFileSystems(String path, String destination) throws IOException, TreeChangedException {
        if (sameFileSystem(tree.resolve(path).getParent(), tree.resolve(destination).getParent())) {
            throw new TreeChangedException("both " + path + " and " + destination + " exist, on the same file system");
        }
    }

    private static boolean sameFileSystem(Path a, Path b) throws IOException {
        return Inode.of(a).orElseThrow().dev() == Inode.of(b).orElseThrow().dev();
    }

    private static boolean isLinkTo(Path path, Optional<Inode> inode, String target) throws IOException {
        return inode.isPresent() && inode.get().isLink() && Files.readSymbolicLink(path).toString().equals(target);
    }

    /** The temporary name beside {@code path} that a copy or a new link takes before it is renamed into place. */
    private static Path temporary(Path path) {
        return path.resolveSibling("." + path.getFileName() + TEMP_SUFFIX);
    }

    private static void tool(List<String> command) throws IOException {
        HostTool.Result result = HostTool.run(command, TOOL_TIMEOUT);
        if (!result.ok()) {
            throw new IOException(result.describe());
        }
    }
}
