package org.clonefarm.cli.simulation;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.clonefarm.cli.console.Invocation;
import org.clonefarm.platform.cms.EdfFileSystem;
import org.clonefarm.platform.directory.DirectoryProblem;
import org.clonefarm.platform.directory.DirectoryValidator;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.LoopMount;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.layout.CloneLayout.Role;
import org.clonefarm.platform.names.NamesEntry;
import org.clonefarm.platform.names.NamesFile;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.platform.io.FileTrees;

/**
 * Checks a batch of clones of the demo master in a local simulation, and says what is wrong, one
 * line per problem:
 *
 * <ul>
 *   <li><b>Copied disks equal the master's</b>, compared file by file (the clones have booted, so
 *       their bytes differ where the agent wrote): every file, directory and link of the master's root
 *       (RW-root clones) and /var is in the clone with the same content, except the files the agent
 *       changes by design (hostname, hosts, DNS, network, machine-id, SSH host keys, the finalize
 *       marker; the agent's spool and /var/local/etc) and, for clones of the bootable master, what a real boot
 *       writes (/tmp, the journal, the random seed, login records); nothing else is added; and the clone's extents
 *       have the master's sizes. (The copy engine's own disk digest is not used here.)</li>
 *   <li><b>Own identity</b>: an RW-root clone's /etc/hostname is its NAMES entry's hostname, its
 *       /etc/hosts maps its address to that name, its finalize marker is gone; an RO-root clone's
 *       post-mount hosts file (/var/local/etc/hosts) does the same.</li>
 *   <li><b>The master is unchanged</b>: the SHA-256 of its 0200, 0202 and 0203 and of its PROFILE EXEC
 *       equal what {@code master create-demo} recorded.</li>
 *   <li><b>The directory is consistent</b> ({@link DirectoryValidator}).</li>
 * </ul>
 *
 * <p>The clones of a batch are the NAMES entries on the master's 0191 whose {@code :batch.} tag is
 * the batch, plus any the caller adds (from the events topic). File systems are mounted read-only
 * ({@code ro,noload}) through loop devices, and released before each method returns. Needs root.
 * Not thread-safe.
 */
public final class CloneVerifier {
    private static final List<String> ROOT_CHANGES = List.of("etc/hostname", "etc/hosts", "etc/resolv.conf",
            "etc/machine-id", CloneLayout.FINALIZE_MARKER.substring(1), "etc/ssh/ssh_host_", "etc/sysconfig/network/",
            "etc/sysconfig/network-scripts/", "etc/NetworkManager/system-connections/", "etc/netplan/",
            "etc/network/interfaces", "etc/systemd/network/");
    private static final List<String> VAR_CHANGES = List.of("lib/clonefarm/", "lib/dbus/machine-id", "local/etc/");
    /**
     * What a real boot of the bootable master writes besides the agent (its clones booted under QEMU): systemd's
     * runtime directories in /tmp, the random seed, the journal and the login records. A master prepared for RO
     * root keeps /tmp on /var ({@code /tmp -> /var/local/tmp}).
     */
    private static final List<String> BOOT_ROOT_CHANGES = List.of("tmp/");
    private static final List<String> BOOT_VAR_CHANGES = List.of("lib/systemd/random-seed", "log/journal/", "log/wtmp",
            "log/btmp", "log/lastlog", "tmp/", "local/tmp/");

    private final SimulationDataDirectory data;
    private final Path scratch;
    /** The recorded master's layout, set by {@link #verify}. */
    private DemoMaster.Layout layout = DemoMaster.Layout.SKELETON;

    public CloneVerifier(SimulationDataDirectory data) {
        this.data = data;
        this.scratch = data.root().resolve("run").resolve("verify-" + ProcessHandle.current().pid());
    }

    /** The NAMES file on the master's 0191, as the clones read it. */
    public NamesFile namesFile() throws IOException {
        try (EdfFileSystem disk = EdfFileSystem.open(DemoMaster.disk(data, Role.CONFIG).region(data))) {
            if (!disk.exists(CloneLayout.NAMES_FILE)) {
                return NamesFile.of(List.of());
            }
            return NamesFile.read(disk, CloneLayout.NAMES_FILE);
        }
    }

    /** The userids whose NAMES entry says {@code :batch.BATCH}. */
    public Set<Userid> clonesInNames(String batch) throws IOException {
        Set<Userid> clones = new TreeSet<>();
        for (NamesEntry entry : namesFile().entries()) {
            if (entry.get("batch").map(batch::equals).orElse(false) && Userid.isValid(entry.nick().toUpperCase())) {
                clones.add(Userid.of(entry.nick()));
            }
        }
        return clones;
    }

    /**
     * Every problem found with the batch, the master and the directory; empty when all hold.
     *
     * @param moreClones clones of the batch known from elsewhere (the events topic)
     */
    public List<String> verify(String batch, Collection<Userid> moreClones) throws IOException {
        List<String> problems = new ArrayList<>();
        Optional<DemoMaster.Manifest> manifest = DemoMaster.Manifest.read(data);
        if (manifest.isEmpty()) {
            problems.add("master " + DemoMaster.MASTER + ": no record of the demo master in " + data.root()
                    + " (make it with " + Invocation.command("master create-demo") + ")");
            return problems;
        }
        layout = manifest.get().layout();
        checkMaster(manifest.get(), problems);
        checkDirectory(problems);
        NamesFile names;
        try {
            names = namesFile();
        } catch (IOException e) {
            problems.add("master " + DemoMaster.MASTER + " " + Role.CONFIG.vaddr() + ": cannot read "
                    + CloneLayout.NAMES_FILE.nameAndType() + ": " + e.getMessage());
            return problems;
        }
        Set<Userid> clones = new TreeSet<>(clonesInNames(batch));
        clones.addAll(moreClones);
        if (clones.isEmpty()) {
            problems.add("batch " + batch + ": no clone has :batch." + batch + " in " + CloneLayout.NAMES_FILE.nameAndType()
                    + " on " + DemoMaster.MASTER + " " + Role.CONFIG.vaddr() + (moreClones.isEmpty() ? "" : " or on the topic"));
            return problems;
        }
        Files.createDirectories(scratch);
        try {
            Map<String, String> masterRoot = fingerprint(layout.disk(Role.ROOT).region(data), "master-root");
            Map<String, String> masterVar = fingerprint(layout.disk(Role.VAR).region(data), "master-var");
            for (Userid clone : clones) {
                checkClone(clone, names, masterRoot, masterVar, problems);
            }
        } finally {
            FileTrees.deleteTree(scratch);
        }
        return problems;
    }

    private void checkMaster(DemoMaster.Manifest manifest, List<String> problems) {
        try {
            Map<Vaddr, String> now = DemoMaster.currentDigests(data);
            for (Vaddr vaddr : DemoMaster.IMMUTABLE) {
                if (!now.get(vaddr).equals(manifest.diskDigests().get(vaddr))) {
                    problems.add("master " + DemoMaster.MASTER + " " + vaddr + ": changed since create-demo or master prepare (SHA-256 "
                            + now.get(vaddr) + ", recorded " + manifest.diskDigests().get(vaddr) + ")");
                }
            }
            if (!DemoMaster.profileExecDigest(data).equals(manifest.profileExecDigest())) {
                problems.add("master " + DemoMaster.MASTER + " " + Role.CONFIG.vaddr() + ": PROFILE EXEC changed since create-demo");
            }
        } catch (IOException e) {
            problems.add("master " + DemoMaster.MASTER + ": cannot read its disks: " + e.getMessage());
        }
    }

    private void checkDirectory(List<String> problems) throws IOException {
        for (DirectoryProblem problem : new DirectoryValidator(data.volumes()).validate(data.readDirectory())) {
            problems.add("directory " + data.directoryFile() + " line " + problem.line() + ": " + problem.message());
        }
    }

    private void checkClone(Userid clone, NamesFile names, Map<String, String> masterRoot, Map<String, String> masterVar,
            List<String> problems) {
        String who = "clone " + clone;
        Optional<NamesEntry> entry = names.resolve(clone.value());
        if (entry.isEmpty()) {
            problems.add(who + ": no entry in " + CloneLayout.NAMES_FILE.nameAndType());
            return;
        }
        // as the agent applies it: lower case, the first label (a dotted value carries the domain)
        String hostname = entry.get().get("hostname").filter(h -> !h.isBlank()).orElse(clone.value())
                .toLowerCase(java.util.Locale.ROOT);
        if (hostname.indexOf('.') > 0) {
            hostname = hostname.substring(0, hostname.indexOf('.'));
        }
        String address = entry.get().get("ipaddr").orElse("");
        if (isBooting(clone)) {
            problems.add(who + ": is booting now (its disks are mounted under " + guestsDirectory() + ", or its QEMU runs);"
                    + " verify when its boot is done");
            return;
        }
        LoopMountGuestRuntime.GuestDisks disks;
        try {
            disks = LoopMountGuestRuntime.disks(data, data.readDirectory(), clone);
        } catch (IOException | RuntimeException e) {
            problems.add(who + ": " + e.getMessage());
            return;
        }
        String rootDisk = who + " " + Role.ROOT.vaddr();
        String varDisk = who + " " + Role.VAR.vaddr();
        FileRegion masterVarRegion = layout.disk(Role.VAR).region(data);
        if (disks.var().length() != masterVarRegion.length()) {
            problems.add(varDisk + ": " + disks.var().length() + " bytes, the master's /var has " + masterVarRegion.length());
            return;
        }
        try {
            if (!disks.rootReadOnly()) {
                FileRegion masterRootRegion = layout.disk(Role.ROOT).region(data);
                if (disks.root().length() != masterRootRegion.length()) {
                    problems.add(rootDisk + ": " + disks.root().length() + " bytes, the master's root has "
                            + masterRootRegion.length());
                    return;
                }
                try (LoopMount root = LoopMountGuestRuntime.mountDisk(disks.root(), scratch.resolve(clone + "-root"), true)) {
                    compare(rootDisk + " (root)", masterRoot, fingerprint(root.mountPoint()), allowed(ROOT_CHANGES, BOOT_ROOT_CHANGES),
                            problems);
                    checkIdentity(rootDisk + " (root)", root.mountPoint(), "etc/hosts", hostname, address, problems);
                    String actual = read(root.mountPoint().resolve("etc/hostname")).strip();
                    // the agent writes the short name to /etc/hostname and the full one to /etc/hosts
                    String shortName = hostname.contains(".") ? hostname.substring(0, hostname.indexOf('.')) : hostname;
                    if (!actual.equalsIgnoreCase(hostname) && !actual.equalsIgnoreCase(shortName)) {
                        problems.add(rootDisk + " (root): /etc/hostname is '" + actual + "', its NAMES entry says '" + hostname + "'");
                    }
                    if (Files.exists(CloneLayout.inRoot(root.mountPoint(), CloneLayout.FINALIZE_MARKER), LinkOption.NOFOLLOW_LINKS)) {
                        problems.add(rootDisk + " (root): the finalize marker " + CloneLayout.FINALIZE_MARKER + " is still there");
                    }
                }
            }
            try (LoopMount var = LoopMountGuestRuntime.mountDisk(disks.var(), scratch.resolve(clone + "-var"), true)) {
                compare(varDisk + " (/var)", masterVar, fingerprint(var.mountPoint()), allowed(VAR_CHANGES, BOOT_VAR_CHANGES),
                        problems);
                if (disks.rootReadOnly()) {
                    checkIdentity(varDisk + " (/var)", var.mountPoint(), "local/etc/hosts", hostname, address, problems);
                }
            }
        } catch (IOException | RuntimeException e) {
            problems.add(who + ": cannot check its disks: " + e.getMessage());
        }
    }

    /** The agent's changes, and for the bootable master also those of a real boot. */
    private List<String> allowed(List<String> agent, List<String> boot) {
        if (layout.kind() != DemoMaster.Kind.BOOTABLE) {
            return agent;
        }
        List<String> all = new ArrayList<>(agent);
        all.addAll(boot);
        return all;
    }

    private Path guestsDirectory() {
        return LoopMountGuestRuntime.defaultWorkDirectory(data);
    }

    /**
     * Whether a local runtime has the clone's disks mounted (its boot directory is a mount point's parent) or a
     * QEMU of the clone runs.
     */
    private boolean isBooting(Userid clone) {
        if (QemuGuestRuntime.isRunning(guestsDirectory(), clone)) {
            return true;
        }
        String bootDir = guestsDirectory().resolve(clone.value() + ".boot") + "/";
        try {
            return Files.readAllLines(Path.of("/proc/mounts")).stream().map(l -> l.split(" "))
                    .anyMatch(f -> f.length > 1 && f[1].startsWith(bootDir));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read /proc/mounts", e);
        }
    }

    private static void checkIdentity(String where, Path mount, String hostsFile, String hostname, String address,
            List<String> problems) throws IOException {
        Path hosts = mount.resolve(hostsFile);
        if (!Files.isRegularFile(hosts)) {
            problems.add(where + ": /" + hostsFile + " is missing");
            return;
        }
        boolean found = false;
        for (String line : read(hosts).split("\n")) {
            List<String> fields = List.of(line.replaceFirst("#.*", "").trim().split("\\s+"));
            if (fields.size() > 1 && fields.get(0).equals(address) && fields.stream().skip(1)
                    .anyMatch(n -> n.equalsIgnoreCase(hostname) || n.toLowerCase().startsWith(hostname.toLowerCase() + "."))) {
                found = true;
            }
        }
        if (!found) {
            problems.add(where + ": /" + hostsFile + " does not map its address " + address + " to its hostname " + hostname);
        }
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
    }

    private static void compare(String where, Map<String, String> master, Map<String, String> clone, List<String> allowed,
            List<String> problems) {
        List<String> differences = new ArrayList<>();
        for (Map.Entry<String, String> file : master.entrySet()) {
            if (isAllowed(file.getKey(), allowed)) {
                continue;
            }
            String mine = clone.get(file.getKey());
            if (mine == null) {
                differences.add("/" + file.getKey() + " is missing");
            } else if (!mine.equals(file.getValue())) {
                differences.add("/" + file.getKey() + " differs from the master's");
            }
        }
        for (String path : clone.keySet()) {
            if (!master.containsKey(path) && !isAllowed(path, allowed)) {
                differences.add("/" + path + " is not in the master");
            }
        }
        if (!differences.isEmpty()) {
            problems.add(where + ": not a copy of the master's: " + String.join(", ",
                    differences.subList(0, Math.min(5, differences.size())))
                    + (differences.size() > 5 ? " and " + (differences.size() - 5) + " more" : ""));
        }
    }

    private static boolean isAllowed(String path, List<String> allowed) {
        if (path.equals("lost+found") || path.startsWith("lost+found/")) {
            return true;
        }
        for (String prefix : allowed) {
            if (path.equals(prefix) || path.startsWith(prefix) || (prefix.endsWith("/") && path.equals(prefix.substring(0,
                    prefix.length() - 1)))) {
                return true;
            }
        }
        return false;
    }

    /** The fingerprint of the tree in a region, mounted read-only for the time it takes. */
    private Map<String, String> fingerprint(FileRegion region, String name) throws IOException {
        try (LoopMount mount = LoopMountGuestRuntime.mountDisk(region, scratch.resolve(name), true)) {
            return fingerprint(mount.mountPoint());
        }
    }

    /** Relative path to kind and content: {@code d}, {@code l:TARGET}, {@code f:SHA-256}. */
    static Map<String, String> fingerprint(Path root) throws IOException {
        Map<String, String> tree = new TreeMap<>();
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        byte[] buffer = new byte[1 << 16];
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(root)) {
                    tree.put(root.relativize(dir).toString(), "d");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String relative = root.relativize(file).toString();
                if (attrs.isSymbolicLink()) {
                    tree.put(relative, "l:" + Files.readSymbolicLink(file));
                } else if (attrs.isRegularFile()) {
                    digest.reset();
                    try (InputStream in = Files.newInputStream(file)) {
                        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                            digest.update(buffer, 0, n);
                        }
                    }
                    tree.put(relative, "f:" + HexFormat.of().formatHex(digest.digest()));
                } else {
                    tree.put(relative, "o");
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return tree;
    }
}
