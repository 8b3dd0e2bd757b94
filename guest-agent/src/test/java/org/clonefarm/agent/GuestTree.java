package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.clonefarm.platform.layout.CloneLayout;

/**
 * A master's root tree in a temporary directory, as the clone finds it on its first boot: the
 * master's hostname, hosts, resolv.conf, machine-id, SSH host keys, the finalize marker, and the
 * os-release of a chosen distribution. Plus the NAMES entries of the tests and snapshot helpers.
 */
final class GuestTree {
    static final String USERID = "LINUX001";

    /** The clone's entry and the DEFAULTS entry it inherits from (netmask, gateway, DNS, domain). */
    static Map<String, Map<String, String>> entries() {
        Map<String, Map<String, String>> entries = new LinkedHashMap<>();
        entries.put("DEFAULTS", Map.of("netmask", "255.255.255.0", "gateway", "10.1.0.1",
                "nameservers", "10.1.0.2 10.1.0.3", "domain", "example.com", "interface", "0600"));
        entries.put("LINUX001", Map.of("hostname", "linux001", "ipaddr", "10.1.0.11", "batch", "b-42",
                "attempt", "1", "disks", "0200 0201"));
        entries.put("LINUX002", Map.of("hostname", "linux002", "ipaddr", "10.1.0.300"));
        entries.put("LINUX003", Map.of("hostname", "linux003"));
        return entries;
    }

    static CloneConfigSource source() {
        return CloneConfigSource.of("LINUX NAMES on 0191", entries());
    }

    static Path create(Path root, String osRelease) {
        try {
            write(root, "etc/os-release", osRelease);
            write(root, "etc/hostname", "lnxmstr\n");
            write(root, "etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n"
                    + "10.1.0.10\tlnxmstr.example.com lnxmstr\n10.1.0.5\tbackup.example.com backup\n");
            write(root, "etc/resolv.conf", "nameserver 10.9.9.9\n");
            write(root, "etc/machine-id", "0123456789abcdef0123456789abcdef\n");
            write(root, "etc/ssh/ssh_host_ed25519_key", "MASTER PRIVATE KEY\n");
            write(root, "etc/ssh/ssh_host_ed25519_key.pub", "ssh-ed25519 AAAA master\n");
            write(root, "etc/ssh/sshd_config", "PermitRootLogin no\n");
            write(root, "etc/rc.finalize", "finalize me\n");
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the clone key the worker would have seeded into the clone's /var (under {@code root/var}), mode 0600. */
    static org.clonefarm.messaging.CloneKey seedKey(Path root, org.clonefarm.messaging.FarmKey farmKey, String userid,
            String batch, int attempt) {
        org.clonefarm.messaging.CloneKey key = org.clonefarm.messaging.CloneKey.derive(farmKey, userid, batch, attempt);
        try {
            Path file = root.resolve("var").resolve(CloneLayout.CLONE_KEY_IN_VAR);
            Files.createDirectories(file.getParent());
            Files.write(file, key.toFileBytes());
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return key;
    }

    static void write(Path root, String relative, String content) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    static String read(Path root, String relative) {
        try {
            return Files.readString(root.resolve(relative), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An agent configuration for tests: no broker, a reboot command that leaves a file. */
    static AgentConfig config(Path root, Map<String, String> more) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(AgentConfig.REBOOT_COMMAND, "touch " + root.resolve("rebooted"));
        settings.putAll(more);
        return AgentConfig.of(settings, "test");
    }

    static GuestAgent agent(Path root) {
        return GuestAgent.builder(config(root, Map.of())).root(root).identity(Identity.fixed(USERID))
                .configSource(source()).build();
    }

    /** Every file and directory under the root except /var (the agent's spool): path -> mode and content. */
    static Map<String, String> snapshot(Path root) {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.forEach(path -> {
                String relative = root.relativize(path).toString();
                if (relative.equals("var") || relative.startsWith("var/")) {
                    return;
                }
                try {
                    if (Files.isSymbolicLink(path)) {
                        files.put(relative, "link " + Files.readSymbolicLink(path));
                    } else if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                        files.put(relative, PosixFilePermissions.toString(Files.getPosixFilePermissions(path)) + " "
                                + new String(Files.readAllBytes(path), StandardCharsets.UTF_8));
                    } else if (Files.isDirectory(path) && !relative.isEmpty()) {
                        files.put(relative + "/", "dir");
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    static void assertNoLeftovers(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            assertThat(walk.map(p -> p.getFileName().toString()))
                    .noneMatch(name -> name.contains(".clonefarm-new") || name.contains(".clonefarm-old"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private GuestTree() {
    }
}
