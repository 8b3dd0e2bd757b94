package org.clonefarm.cli.simulation;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.clonefarm.agent.AgentConfig;
import org.clonefarm.agent.AgentUnits;
import org.clonefarm.platform.io.FileTrees;
import org.clonefarm.platform.io.HostTool;
import org.clonefarm.platform.layout.CloneLayout.Role;

/**
 * The Debian 12 system of the bootable demo master ({@code master create-demo --bootable},
 * {@link DemoMaster.Kind#BOOTABLE}): built by {@code mmdebstrap} in root mode from this machine's apt sources
 * with the script {@value #SCRIPT} (a resource of this package), split into the trees of the root (0200),
 * /var (0202) and /usr (0203), and cached under {@code ~/.cache/clonefarm/bootable-master-<key>}, where the
 * key is a digest of {@link #PACKAGES} and of the script's text: the first master takes a few minutes
 * (downloads and dpkg), every later one with the same packages and script reuses the trees.
 *
 * <p>{@link #masterRoot} copies the cached root and writes the master's own identity into the copy: the
 * hostname and address of {@link DemoMaster#MASTER}, its network and resolver files, the fstab that
 * mounts each minidisk by its stable name ({@link QemuGuestRuntime#deviceName}) and the agent's settings for a
 * QEMU guest (the 191 by its stable name, no {@code chccwdev}, the farm's broker as the guests see it,
 * {@link DemoMaster#GUEST_BROKER}). The caller adds the agent ({@link AgentUnits#installInto} and its jar).
 *
 * <p>The cache is shared by every process of the machine: a build runs under a file lock, in a directory
 * that is renamed into place only when it is complete, so a killed build leaves nothing that looks
 * finished. Thread-safe.
 */
public final class BootableMaster {
    /** The packages added to mmdebstrap's minbase variant (x86_64; on z/VM the kernel is linux-image-s390x). */
    public static final List<String> PACKAGES = List.of("linux-image-amd64", "initramfs-tools", "systemd-sysv", "udev",
            "ifupdown", "iproute2", "kmod", "e2fsprogs", "openjdk-17-jre-headless", "busybox");
    static final String SCRIPT = "build-bootable-root.sh";
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(30);
    private static final Duration COPY_TIMEOUT = Duration.ofMinutes(5);
    /** The kernel command line's interface naming makes the NIC eth0, the agent's {@code interface.default}. */
    static final String INTERFACE = "eth0";

    /** The three trees of the built system. */
    public record Trees(Path root, Path var, Path usr) {
        static Trees in(Path directory) {
            return new Trees(directory.resolve("root"), directory.resolve("var"), directory.resolve("usr"));
        }
    }

    private final Path cacheDirectory;
    private final Consumer<String> progress;

    /**
     * @param cacheDirectory where built systems are kept ({@link #defaultCacheDirectory()})
     * @param progress told, in a line, when a build starts and ends (it takes minutes)
     */
    public BootableMaster(Path cacheDirectory, Consumer<String> progress) {
        this.cacheDirectory = Objects.requireNonNull(cacheDirectory, "cacheDirectory").toAbsolutePath().normalize();
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /** {@code $XDG_CACHE_HOME/clonefarm}, else {@code ~/.cache/clonefarm}. */
    public static Path defaultCacheDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("clonefarm");
    }

    /**
     * The cache key: 16 hex digits of SHA-256 over the package list, the build script's text and the agent's RO-root
     * initramfs script ({@link AgentUnits#INITRAMFS_RO_ROOT}), which the system's initramfs holds.
     */
    public static String key() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(String.join(",", PACKAGES).getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(script());
            digest.update((byte) 0);
            digest.update(AgentUnits.text(AgentUnits.INITRAMFS_RO_ROOT).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** The cached system's directory for the current key. */
    public Path cachedSystem() {
        return cacheDirectory.resolve("bootable-master-" + key());
    }

    /**
     * The built system, from the cache, or built now (minutes) and cached.
     *
     * @throws IOException when mmdebstrap is missing, this is not root, or the build fails (the message names
     *     its log, {@code <cache>/bootable-master-<key>.log})
     */
    public Trees system() throws IOException {
        Path done = cachedSystem();
        if (Files.isDirectory(done)) {
            return Trees.in(done);
        }
        if (!"amd64".equals(System.getProperty("os.arch"))) {
            throw new IOException("the bootable demo master is an x86_64 (amd64) system for QEMU guests; this machine is "
                    + System.getProperty("os.arch") + " (on z/VM a master would hold linux-image-s390x instead)");
        }
        Files.createDirectories(cacheDirectory);
        try (FileChannel lockFile = FileChannel.open(cacheDirectory.resolve(done.getFileName() + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
            if (Files.isDirectory(done)) {
                return Trees.in(done); // another process built it while this one waited
            }
            Path partial = done.resolveSibling(done.getFileName() + ".partial");
            FileTrees.deleteTree(partial);
            Path script = Files.createTempFile(cacheDirectory, "build-bootable-root-", ".sh");
            Path roRoot = Files.createTempFile(cacheDirectory, "clonefarm-ro-root-", ".initramfs");
            Path log = done.resolveSibling(done.getFileName() + ".log");
            try {
                Files.write(script, script());
                Files.writeString(roRoot, AgentUnits.text(AgentUnits.INITRAMFS_RO_ROOT), StandardCharsets.UTF_8);
                progress.accept("building the bootable master's Debian 12 system with mmdebstrap (a few minutes, once;"
                        + " cached in " + done + ", log " + log + ")");
                long start = System.nanoTime();
                HostTool.Result result = HostTool.run(List.of("bash", script.toString(), partial.toString(),
                        String.join(",", PACKAGES), roRoot.toString()), BUILD_TIMEOUT);
                Files.writeString(log, String.join(" ", result.command()) + "\nexit " + result.exitCode() + "\n"
                        + result.stdout() + result.stderr(), StandardCharsets.UTF_8);
                if (!result.ok()) {
                    throw new IOException("building the bootable master's system failed (exit " + result.exitCode() + "): "
                            + lastLine(result.stderr()) + " (log: " + log + ")");
                }
                Files.move(partial, done, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                progress.accept(String.format(java.util.Locale.ROOT, "built the bootable master's system in %.0f s",
                        (System.nanoTime() - start) / 1e9));
            } finally {
                Files.deleteIfExists(script);
                Files.deleteIfExists(roRoot);
                FileTrees.deleteTree(partial);
            }
        }
        return Trees.in(done);
    }

    /**
     * Copies the cached root to {@code target} (which must not exist) and writes the master's identity into it.
     *
     * @return {@code target}
     */
    public Path masterRoot(Trees trees, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        HostTool.checkOutput(List.of("cp", "-a", "--reflink=auto", trees.root().toString(), target.toString()), COPY_TIMEOUT);
        String master = DemoMaster.MASTER_HOSTNAME;
        write(target, "etc/hostname", master + "\n");
        write(target, "etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                + DemoMaster.MASTER_ADDRESS + "\t" + master + "." + DemoMaster.DOMAIN + " " + master + "\n");
        write(target, "etc/resolv.conf", "search " + DemoMaster.DOMAIN + "\nnameserver 10.1.0.53\n");
        write(target, "etc/network/interfaces", "# the master's own address; every clone's agent writes its own\n"
                + "source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n\n"
                + "auto " + INTERFACE + "\niface " + INTERFACE + " inet static\n    address " + DemoMaster.MASTER_ADDRESS
                + "/16\n    gateway " + DemoMaster.GATEWAY + "\n");
        write(target, "etc/machine-id", "4c0f1c2d3e4f5a6b7c8d9e0fa1b2c3d4\n");
        write(target, "etc/fstab", "# clonefarm bootable demo master: each minidisk by its stable name, the virtio disk whose\n"
                + "# serial number is its vaddr (on z/VM: /dev/disk/by-path/ccw-0.0.<vaddr>)\n"
                + QemuGuestRuntime.deviceName(Role.ROOT.vaddr()) + " /    ext4 errors=remount-ro 0 1\n"
                + QemuGuestRuntime.deviceName(Role.VAR.vaddr()) + " /var ext4 defaults          0 2\n"
                + "# /usr is the master's, linked read-only by every clone\n"
                + QemuGuestRuntime.deviceName(Role.USR.vaddr()) + " /usr ext4 ro,noload         0 0\n");
        write(target, "etc/motd", "clonefarm demo master " + DemoMaster.MASTER + " (Debian 12, bootable under QEMU)\n");
        write(target, AgentConfig.DEFAULT_PATH.substring(1), agentProperties());
        write(target, "etc/systemd/system/clonefarm-report-ready.service.d/console.conf", readyDropIn());
        return target;
    }

    /**
     * A drop-in for the report-ready unit: the agent's output on the console too, and, once every spooled event is
     * acknowledged (the spool's {@code events.delivered} says {@code offset=} the spool's size; else the agent's
     * {@code deliver} is run until it is, a few times), {@link QemuGuestRuntime#READY_MARKER} in the kernel log,
     * so on the console (systemd's own status lines stop once a getty owns it): the runtime logs a guest off
     * only when its READY has reached the broker.
     */
    static String readyDropIn() {
        String spool = AgentConfig.defaults().get(AgentConfig.SPOOL_DIR);
        String shell = "d=" + spool + "; delivered() { [ \"$(cat $d/events.delivered 2>/dev/null)\" = \"offset=$(stat -c %s"
                + " $d/events.spool)\" ]; }; n=0; until delivered; do n=$((n+1)); [ $n -le 6 ] || exit 1; /usr/bin/java -jar "
                + org.clonefarm.platform.layout.CloneLayout.AGENT_JAR + " deliver; sleep 2; done; echo \""
                + QemuGuestRuntime.READY_MARKER + "\" > /dev/kmsg";
        // in a unit file, $ and % are systemd's unless written twice
        return "# clonefarm bootable demo master: tell the console (the QEMU guest runtime watches it) that READY has\n"
                + "# reached the broker\n[Service]\nStandardOutput=journal+console\n"
                + "ExecStartPost=/bin/sh -c '" + shell.replace("$", "$$").replace("%", "%%") + "'\n";
    }

    /** The sample agent.properties with the settings of a QEMU guest. */
    static String agentProperties() {
        List<String> lines = new ArrayList<>();
        lines.add("# the bootable demo master (QEMU guests): the 191 by its stable name, no chccwdev; vmcp is the");
        lines.add("# stand-in in /usr/local/sbin; the farm's broker as the guests reach it (docs/guests.md)");
        for (String line : AgentUnits.text(AgentUnits.SAMPLE_PROPERTIES).split("\n", -1)) {
            if (line.startsWith(AgentConfig.BOOTSTRAP_SERVERS + "=")) {
                line = AgentConfig.BOOTSTRAP_SERVERS + "=" + DemoMaster.GUEST_BROKER;
            } else if (line.startsWith(AgentConfig.CONFIG_DISK + "=")) {
                line = AgentConfig.CONFIG_DISK + "=" + QemuGuestRuntime.deviceName(Role.CONFIG.vaddr());
            } else if (line.startsWith(AgentConfig.CONFIG_DISK_BUS_ID + "=")) {
                line = AgentConfig.CONFIG_DISK_BUS_ID + "=";
            }
            lines.add(line);
        }
        lines.add(AgentConfig.INTERFACE_DEFAULT + "=" + INTERFACE);
        return String.join("\n", lines);
    }

    private static void write(Path root, String relative, String text) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static byte[] script() {
        try (InputStream in = BootableMaster.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException("the resource " + SCRIPT + " is missing from the clonefarm jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the resource " + SCRIPT, e);
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1];
    }
}
