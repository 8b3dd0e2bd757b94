package org.clonefarm.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.clonefarm.platform.io.DurableFiles;
import org.clonefarm.platform.layout.CloneLayout;

/**
 * The agent's systemd units and SysV scripts, shipped as resources of this module, and their
 * installation into a master image (the clones inherit them with the disks):
 *
 * <ul>
 *   <li>{@code clonefarm-finalize.service}: first boot, while the finalize marker
 *       ({@link CloneLayout#FINALIZE_MARKER}, {@code /etc/rc.finalize}) exists, before
 *       the network; events stay spooled.</li>
 *   <li>{@code clonefarm-report-ready.service}: after network-online; READY once, delivers the spool.</li>
 *   <li>{@code clonefarm-hostkeys.service}: makes the clone's SSH host keys before sshd.</li>
 *   <li>{@code clonefarm-finalize.init}, {@code clonefarm-report-ready.init}: the same for SysV init
 *       (under the same names, so systemd prefers the native units where both are installed).</li>
 *   <li>{@value #INITRAMFS_RO_ROOT}: the RO root's initramfs-tools script ({@code local-bottom}): on a root
 *       prepared for RO root it fills the tmpfs at /initrd with the initrd's /etc and runs {@code initrd}.</li>
 * </ul>
 * The units and scripts are text, so they spell the layout's marker and agent jar
 * ({@link CloneLayout#AGENT_JAR}) themselves; a test holds them to {@link CloneLayout}.
 * Stateless and thread-safe.
 */
public final class AgentUnits {
    public static final List<String> SYSTEMD_UNITS = List.of("clonefarm-finalize.service",
            "clonefarm-report-ready.service", "clonefarm-hostkeys.service");
    public static final List<String> SYSV_SCRIPTS = List.of("clonefarm-finalize.init", "clonefarm-report-ready.init");
    public static final String SAMPLE_PROPERTIES = "agent.properties";
    /** The RO root's initramfs-tools script, a resource like the units. */
    public static final String INITRAMFS_RO_ROOT = "clonefarm-ro-root.initramfs";
    /** Where {@link #INITRAMFS_RO_ROOT} goes in a master that uses initramfs-tools. */
    public static final String INITRAMFS_RO_ROOT_PATH = "/etc/initramfs-tools/scripts/local-bottom/clonefarm-ro-root";

    private AgentUnits() {
    }

    /** The text of one unit, script or the sample properties file. */
    public static String text(String name) {
        try (InputStream in = AgentUnits.class.getResourceAsStream("units/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no agent unit named " + name);
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the agent unit " + name + " from the jar", e);
        }
    }

    /**
     * Installs the units into a master root: systemd units enabled (wants links), SysV scripts in
     * {@code /etc/init.d}, the RO root's initramfs script at {@link #INITRAMFS_RO_ROOT_PATH} where the master
     * uses initramfs-tools ({@code /etc/initramfs-tools} exists; its initramfs takes it at the next
     * {@code update-initramfs -u}), the sample {@code agent.properties} where there is none, and the finalize
     * marker ({@link CloneLayout#FINALIZE_MARKER}) so every clone of this master finalizes on its first boot.
     *
     * @throws IOException naming the file that cannot be written
     */
    public static void installInto(Path root) throws IOException {
        Path systemd = root.resolve("etc/systemd/system");
        for (String unit : SYSTEMD_UNITS) {
            DurableFiles.replace(systemd.resolve(unit), text(unit).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            // systemd warns at every boot about a unit file that is not world-readable
            Files.setPosixFilePermissions(systemd.resolve(unit), PosixFilePermissions.fromString("rw-r--r--"));
            String target = unit.equals("clonefarm-finalize.service") ? "sysinit.target.wants" : "multi-user.target.wants";
            Path link = systemd.resolve(target).resolve(unit);
            Files.createDirectories(link.getParent());
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, Path.of("/etc/systemd/system/" + unit));
        }
        for (String script : SYSV_SCRIPTS) {
            Path file = root.resolve("etc/init.d").resolve(script.substring(0, script.length() - ".init".length()));
            DurableFiles.replace(file, text(script).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        if (Files.isDirectory(root.resolve("etc/initramfs-tools"))) {
            Path script = root.resolve(INITRAMFS_RO_ROOT_PATH.substring(1));
            DurableFiles.replace(script, text(INITRAMFS_RO_ROOT).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path properties = root.resolve(AgentConfig.DEFAULT_PATH.substring(1));
        if (!Files.exists(properties)) {
            DurableFiles.replace(properties, text(SAMPLE_PROPERTIES).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Path marker = CloneLayout.inRoot(root, CloneLayout.FINALIZE_MARKER);
        if (!Files.exists(marker)) {
            DurableFiles.replace(marker, "clonefarm: finalize this clone on its first boot\n"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
