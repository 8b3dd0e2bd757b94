package org.clonefarm.platform.master.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.master.MasterTree;
import org.clonefarm.platform.master.PlanStep;
import org.clonefarm.platform.master.PreparationProfile;
import org.clonefarm.platform.master.RelocationPlan;
import org.clonefarm.platform.master.RelocationPlan.Skipped;
import org.clonefarm.platform.master.RuntimeWritablePaths;

/**
 * Works out a {@link RelocationPlan} from a master tree as it is, changing nothing: which paths the
 * rules and the master's own list match, which of them move and where, the directories the
 * destinations need, the relative links that would break, and what blocks the plan. Single use; not
 * thread-safe.
 */
public final class RelocationPlanner {
    /** The longest {@code /etc/clonefarm/writable} read; a longer one is a problem, not a memory hazard. */
    private static final int WRITABLE_LIST_LIMIT = 64 * 1024;

    /** Where the disks of these roles are mounted: /var is every clone's own, /usr and /opt are linked read-only. */
    private static final String VAR = CloneLayout.Role.VAR.mountPoint().orElseThrow();
    private static final String USR = CloneLayout.Role.USR.mountPoint().orElseThrow();
    private static final String OPT = CloneLayout.Role.OPT.mountPoint().orElseThrow();

    private final MasterTree tree;
    private final PreparationProfile profile;
    private final Map<String, PlanStep.MakeDirectory> makeDirectories = new LinkedHashMap<>();
    private final List<PlanStep.Relink> relinks = new ArrayList<>();
    private final List<PlanStep> moves = new ArrayList<>();
    private final Map<String, FileTime> times = new TreeMap<>();
    private final List<Skipped> skipped = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    /** Paths whose subtree an earlier move takes: later walks leave them out. */
    private final Set<String> moved = new HashSet<>();

    public RelocationPlanner(MasterTree tree, PreparationProfile profile) {
        this.tree = tree;
        this.profile = profile;
    }

    /** The plan; reads the tree only. */
    public RelocationPlan plan() throws IOException {
        String journalDir = GuestPathNames.parent(CloneLayout.PREPARATION_JOURNAL);
        Optional<Inode> boot = stat(journalDir);
        if (boot.isEmpty() || !boot.get().isDirectory()) {
            problems.add(tree + " has no directory " + journalDir + ", where the preparation keeps its journal"
                    + " (" + CloneLayout.PREPARATION_JOURNAL + ").");
        } else {
            recordTime(journalDir);
        }
        planWritable();
        if (profile.rootReadOnly()) {
            planInitrd();
        }
        List<PlanStep> steps = new ArrayList<>(makeDirectories.values());
        steps.addAll(relinks);
        steps.addAll(moves);
        return new RelocationPlan(profile, steps, times, skipped, problems);
    }

    // ---- what moves to /var/local

    private void planWritable() throws IOException {
        Map<String, String> candidates = new TreeMap<>();
        for (RuntimeWritablePaths.Rule rule : RuntimeWritablePaths.RULES) {
            if (!rule.rootOnly() || profile.rootReadOnly()) {
                for (String path : expand(rule.pattern())) {
                    candidates.putIfAbsent(path, rule.why());
                }
            }
        }
        for (String pattern : declared()) {
            List<String> matches = expand(pattern);
            if (matches.isEmpty()) {
                skipped.add(new Skipped(pattern, "listed in " + CloneLayout.WRITABLE_LIST + " but not in the master"));
            }
            for (String path : matches) {
                candidates.putIfAbsent(path, RuntimeWritablePaths.DECLARED_WHY);
            }
        }
        String taken = null;
        for (Map.Entry<String, String> candidate : candidates.entrySet()) {
            String path = candidate.getKey();
            if (taken != null && GuestPathNames.isUnder(path, taken)) {
                continue;
            }
            Optional<String> why = whyNotMoved(path);
            if (why.isPresent()) {
                skipped.add(new Skipped(path, why.get()));
                continue;
            }
            Inode inode = stat(path).orElseThrow();
            Inode parent = stat(GuestPathNames.parent(path)).orElseThrow();
            if (inode.isDirectory() && inode.dev() != parent.dev()) {
                problems.add(path + " is a mount point (a file system of its own): it cannot move to "
                        + CloneLayout.VAR_LOCAL + path + "; give it a disk that each clone owns, or leave it out.");
                continue;
            }
            planMove(path, PlanStep.Stage.WRITABLE, CloneLayout.VAR_LOCAL + path, CloneLayout.VAR_LOCAL + path,
                    candidate.getValue());
            taken = path;
        }
    }

    /** Why a matched path stays where it is, or empty when it moves. */
    private Optional<String> whyNotMoved(String path) throws IOException {
        if (List.of("/", USR, OPT, VAR, "/etc", "/dev", "/boot").contains(path)) {
            return Optional.of("a whole tree of the layout, not a writable part of one");
        }
        if (GuestPathNames.isUnder(path, VAR)) {
            return Optional.of("already on " + VAR + ", which every clone owns");
        }
        if (!profile.rootReadOnly() && !GuestPathNames.isUnder(path, USR) && !GuestPathNames.isUnder(path, OPT)) {
            return Optional.of("on the root, which " + profile.name() + " clones own");
        }
        if (profile.rootReadOnly() && GuestPathNames.isUnder(path, "/etc")) {
            return Optional.of("goes to the initrd with all of /etc (an /etc file that must outlive a reboot"
                    + " belongs in the agent's initrd.post.mount)");
        }
        if (GuestPathNames.isUnder(path, "/dev")) {
            return Optional.of("a devtmpfs is mounted over /dev at every boot");
        }
        if (GuestPathNames.isUnder(path, GuestPathNames.parent(CloneLayout.PREPARATION_JOURNAL))) {
            return Optional.of("holds the preparation's journal");
        }
        if (tree.behindLink(path)) {
            return Optional.of("lies behind a link");
        }
        Inode inode = stat(path).orElseThrow();
        if (inode.isLink()) {
            return Optional.of("already a link (to " + Files.readSymbolicLink(tree.resolve(path)) + ")");
        }
        return Optional.empty();
    }

    /** The patterns of the master's own list, one a line; problems for lines that are no absolute path. */
    private List<String> declared() throws IOException {
        List<String> patterns = new ArrayList<>();
        String list = CloneLayout.WRITABLE_LIST;
        Optional<Inode> inode = stat(list);
        if (inode.isEmpty()) {
            return patterns;
        }
        if (!inode.get().isRegularFile() || inode.get().size() > WRITABLE_LIST_LIMIT) {
            problems.add(list + " is not a file of at most " + WRITABLE_LIST_LIMIT + " bytes.");
            return patterns;
        }
        List<String> lines = Files.readAllLines(tree.resolve(list), StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                GuestPathNames.require(line);
                patterns.add(line);
            } catch (IllegalArgumentException e) {
                problems.add(list + " line " + (i + 1) + ": '" + line + "' is not an absolute path without '.', '..'"
                        + " or empty parts.");
            }
        }
        return patterns;
    }

    // ---- RO root: /etc into the initrd. /dev stays a directory of the root: the initramfs mounts a devtmpfs
    // over it at every boot, and systemd refuses its mount units below a /dev that is a link (the paper's
    // /dev -> /initrd/dev predates devtmpfs: booted so, dev-hugepages.mount and dev-mqueue.mount failed with
    // "Mount path /dev/... is not canonical (contains a symlink)" and the services with credentials with them).

    private void planInitrd() throws IOException {
        if (tree.exists(CloneLayout.INITRD_TREE)) {
            problems.add(CloneLayout.INITRD_TREE + " already exists; preparation makes it (move it away first).");
        }
        Optional<Inode> mountPoint = stat(CloneLayout.INITRD_MOUNT);
        if (mountPoint.isEmpty()) {
            makeDirectory(CloneLayout.INITRD_MOUNT, 0755, 0, 0, "where the root sees its initrd after linuxrc");
        } else if (!mountPoint.get().isDirectory() || !isEmptyDirectory(CloneLayout.INITRD_MOUNT)) {
            problems.add(CloneLayout.INITRD_MOUNT + " exists and is not an empty directory; the RO root mounts its initrd"
                    + " there.");
        }
        Optional<Inode> etc = stat("/etc");
        if (etc.isEmpty() || !etc.get().isDirectory()) {
            problems.add(tree + " has no directory /etc (" + etc.map(Inode::type).orElse("missing")
                    + "); a RO root serves it from the initrd.");
            return;
        }
        for (String file : profile.postMountFiles()) {
            String destination = CloneLayout.VAR_LOCAL + file;
            String why = "post-mount (the agent's initrd.post.mount): kept on the clone's /var, read after it is mounted";
            if (tree.behindLink(file)) {
                problems.add(file + " lies behind a link; a post-mount file must be in /etc itself or a directory of it.");
                continue;
            }
            Optional<Inode> inode = stat(file);
            if (inode.isEmpty()) {
                ensureDirectories(GuestPathNames.parent(destination));
                if (tree.exists(destination)) {
                    problems.add(destination + " already exists; preparation puts " + file + " there.");
                }
                recordTime(GuestPathNames.parent(file));
                moves.add(new PlanStep.Link(file, destination, why + "; absent on the master, the agent writes it at boot"));
            } else if (inode.get().isDirectory()) {
                problems.add(file + " is a directory; initrd.post.mount lists files.");
            } else {
                planMove(file, PlanStep.Stage.POST_MOUNT, destination, destination, why);
            }
        }
        planMove("/etc", PlanStep.Stage.PRE_MOUNT, CloneLayout.INITRD_TREE + "/etc", CloneLayout.INITRD_MOUNT + "/etc",
                "read at boot before any file system is mounted: served from the initrd");
    }

    // ---- one move

    private void planMove(String path, PlanStep.Stage stage, String destination, String linkTarget, String why)
            throws IOException {
        if (tree.exists(destination) && !makeDirectories.containsKey(destination)) {
            problems.add(destination + " already exists; preparation moves " + path + " there.");
            return;
        }
        ensureDirectories(GuestPathNames.parent(destination));
        Inode source = stat(path).orElseThrow();
        Inode sourceParent = stat(GuestPathNames.parent(path)).orElseThrow();
        long destinationDev = nearestExisting(GuestPathNames.parent(destination)).dev();
        boolean crossesFileSystems = sourceParent.dev() != destinationDev;
        recordTime(GuestPathNames.parent(path));
        recordTime(GuestPathNames.parent(destination));
        if (source.isDirectory()) {
            recordTime(path);
        }
        long[] entries = {0};
        long[] bytes = {0};
        Map<Long, Integer> names = new HashMap<>();
        Map<Long, String> firstName = new HashMap<>();
        Map<Long, Integer> linkCounts = new HashMap<>();
        Path root = tree.resolve(path);
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String guest = guestPath(dir);
                if (!guest.equals(path) && moved.contains(guest)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                entries[0]++;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String guest = guestPath(file);
                if (!guest.equals(path) && moved.contains(guest)) {
                    return FileVisitResult.CONTINUE;
                }
                entries[0]++;
                Inode inode = Inode.of(file).orElseThrow();
                if (inode.isRegularFile()) {
                    bytes[0] += inode.size();
                    if (inode.nlink() > 1) {
                        names.merge(inode.ino(), 1, Integer::sum);
                        firstName.putIfAbsent(inode.ino(), guest);
                        linkCounts.put(inode.ino(), inode.nlink());
                    }
                } else if (inode.isLink()) {
                    planRelink(path, guest, inode);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        if (crossesFileSystems) {
            for (Map.Entry<Long, Integer> inode : names.entrySet()) {
                if (inode.getValue() < linkCounts.get(inode.getKey())) {
                    problems.add(firstName.get(inode.getKey()) + " has " + linkCounts.get(inode.getKey()) + " hard links, some"
                            + " outside " + path + "; moving " + path + " to another file system would split them.");
                }
            }
        }
        moved.add(path);
        moves.add(new PlanStep.Move(path, stage, destination, linkTarget, source.type(), entries[0], bytes[0], why));
    }

    /** A relative link in the moved entry {@code top} whose target lies outside it gets its absolute target. */
    private void planRelink(String top, String link, Inode inode) throws IOException {
        String target = Files.readSymbolicLink(tree.resolve(link)).toString();
        if (target.startsWith("/")) {
            return;
        }
        String absolute = GuestPathNames.resolve(GuestPathNames.parent(link), target);
        if (!link.equals(top) && GuestPathNames.isUnder(absolute, top)) {
            return;
        }
        recordTime(GuestPathNames.parent(link));
        relinks.add(new PlanStep.Relink(link, target, absolute, inode.uid(), inode.gid(), inode.mtime()));
    }

    /** Plans the directories missing on the way to {@code dir}, each like the directory it stands for. */
    private void ensureDirectories(String dir) throws IOException {
        if (dir.equals("/") || makeDirectories.containsKey(dir)) {
            return;
        }
        Optional<Inode> inode = tree.behindLink(dir) ? Optional.empty() : stat(dir);
        if (inode.isPresent()) {
            if (!inode.get().isDirectory()) {
                problems.add(dir + " is a " + inode.get().type() + "; preparation needs a directory there.");
            }
            return;
        }
        String parent = GuestPathNames.parent(dir);
        ensureDirectories(parent);
        if (!makeDirectories.containsKey(parent)) {
            recordTime(parent);
        }
        if (dir.equals(CloneLayout.VAR_LOCAL)) {
            makeDirectory(dir, 0755, 0, 0, "holds what preparation moves off the read-only trees");
        } else if (GuestPathNames.isUnder(dir, CloneLayout.VAR_LOCAL)) {
            String original = dir.substring(CloneLayout.VAR_LOCAL.length());
            Optional<Inode> like = tree.behindLink(original) ? Optional.empty() : stat(original);
            Inode model = like.filter(Inode::isDirectory).orElse(null);
            makeDirectory(dir, model == null ? 0755 : model.permissions(), model == null ? 0 : model.uid(),
                    model == null ? 0 : model.gid(), "stands for " + original);
        } else {
            makeDirectory(dir, 0755, 0, 0, dir.equals(CloneLayout.INITRD_TREE)
                    ? "the RO root's initrd files (etc)" : "on the way to " + CloneLayout.INITRD_TREE);
        }
    }

    private void makeDirectory(String dir, int mode, int uid, int gid, String why) throws IOException {
        String parent = GuestPathNames.parent(dir);
        if (!makeDirectories.containsKey(parent)) {
            recordTime(parent);
        }
        makeDirectories.put(dir, new PlanStep.MakeDirectory(dir, mode, uid, gid, why));
    }

    /** The deepest existing directory at or above {@code dir}. */
    private Inode nearestExisting(String dir) throws IOException {
        String at = dir;
        while (true) {
            Optional<Inode> inode = tree.behindLink(at) ? Optional.empty() : stat(at);
            if (inode.isPresent()) {
                return inode.get();
            }
            at = GuestPathNames.parent(at);
        }
    }

    /** Remembers a directory's modification time as it is before any step (the first record wins). */
    private void recordTime(String dir) throws IOException {
        if (times.containsKey(dir) || makeDirectories.containsKey(dir) || tree.behindLink(dir)) {
            return;
        }
        Optional<Inode> inode = stat(dir);
        if (inode.isPresent() && inode.get().isDirectory()) {
            times.put(dir, inode.get().mtime());
        }
    }

    /** Every existing path a pattern matches ({@code *}: one entry of the directory), sorted. */
    private List<String> expand(String pattern) throws IOException {
        List<String> current = List.of("/");
        String[] parts = pattern.substring(1).split("/");
        for (int i = 0; i < parts.length; i++) {
            boolean last = i == parts.length - 1;
            List<String> next = new ArrayList<>();
            for (String dir : current) {
                List<String> children = new ArrayList<>();
                if (parts[i].equals("*")) {
                    Path host = tree.resolve(dir);
                    if (Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) {
                        try (Stream<Path> list = Files.list(host)) {
                            list.map(p -> GuestPathNames.child(dir, p.getFileName().toString())).sorted().forEach(children::add);
                        }
                    }
                } else {
                    children.add(GuestPathNames.child(dir, parts[i]));
                }
                for (String child : children) {
                    Optional<Inode> inode = stat(child);
                    if (inode.isPresent() && (last || inode.get().isDirectory())) {
                        next.add(child);
                    }
                }
            }
            current = next;
        }
        return current;
    }

    private boolean isEmptyDirectory(String dir) throws IOException {
        try (Stream<Path> list = Files.list(tree.resolve(dir))) {
            return list.findAny().isEmpty();
        }
    }

    private Optional<Inode> stat(String guestPath) throws IOException {
        return Inode.of(tree.resolve(guestPath));
    }

    private String guestPath(Path host) {
        Path relative = tree.root().relativize(host);
        return relative.toString().isEmpty() ? "/" : "/" + relative;
    }
}
