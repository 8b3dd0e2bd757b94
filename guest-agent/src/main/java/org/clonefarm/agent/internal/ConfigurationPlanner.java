package org.clonefarm.agent.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.clonefarm.agent.AgentException;
import org.clonefarm.agent.AgentStep;
import org.clonefarm.agent.Distribution;
import org.clonefarm.agent.GuestSettings;

/**
 * Works out every file change that makes a copy of the master into this clone, without changing
 * anything: the network files of the distribution, hostname, hosts, DNS, and the identity resets
 * (an empty /etc/machine-id, which systemd fills at the next boot; no SSH host keys, which are
 * made anew at boot). It reads the master's files where the change depends on them (hosts, the
 * netplan and keyfile directories). Stateless; the result is applied by {@link FileTransaction}.
 */
public final class ConfigurationPlanner {

    private ConfigurationPlanner() {
    }

    /**
     * @throws AgentException (step configure) when a file it must read cannot be read
     */
    public static List<FileChange> plan(GuestSettings s, Distribution distribution, GuestPaths paths) {
        return plan(s, distribution, paths, true);
    }

    /**
     * @param resetIdentity whether to reset machine-id and remove the SSH host keys (always on a RW
     *     root; only on the first boot in a RO-root initrd, or the clone would change keys at every boot)
     */
    public static List<FileChange> plan(GuestSettings s, Distribution distribution, GuestPaths paths,
            boolean resetIdentity) {
        List<FileChange> changes = new ArrayList<>();
        switch (distribution.network()) {
            case WICKED_IFCFG -> {
                changes.add(FileChange.write(WickedIfcfgFile.path(s), WickedIfcfgFile.render(s)));
                if (WickedIfcfgFile.hasRoutes(s)) {
                    changes.add(FileChange.write(WickedIfcfgFile.ROUTES, WickedIfcfgFile.renderRoutes(s)));
                } else if (exists(paths, WickedIfcfgFile.ROUTES)) {
                    changes.add(FileChange.delete(WickedIfcfgFile.ROUTES));
                }
                String netconfig = read(paths, SuseNetconfigFile.PATH);
                if (netconfig != null) {
                    changes.add(FileChange.write(SuseNetconfigFile.PATH, SuseNetconfigFile.edit(netconfig, s)));
                }
            }
            case NM_KEYFILE -> {
                String own = NetworkManagerKeyfile.path(s);
                changes.add(FileChange.writePrivate(own, NetworkManagerKeyfile.render(s)));
                for (String other : list(paths, NetworkManagerKeyfile.DIRECTORY, ".nmconnection")) {
                    String text = read(paths, other);
                    if (!other.equals(own) && text != null
                            && text.contains("interface-name=" + s.interfaceName() + "\n")) {
                        changes.add(FileChange.delete(other));
                    }
                }
                String legacy = RedHatIfcfgFile.path(s);
                if (exists(paths, legacy)) {
                    changes.add(FileChange.delete(legacy));
                }
            }
            case REDHAT_IFCFG -> changes.add(FileChange.write(RedHatIfcfgFile.path(s), RedHatIfcfgFile.render(s)));
            case IFUPDOWN -> changes.add(FileChange.write(IfupdownInterfacesFile.PATH, IfupdownInterfacesFile.render(s)));
            case NETPLAN -> {
                changes.add(FileChange.writePrivate(NetplanFile.PATH, NetplanFile.render(s)));
                List<String> others = new ArrayList<>(list(paths, NetplanFile.DIRECTORY, ".yaml"));
                others.addAll(list(paths, NetplanFile.DIRECTORY, ".yml"));
                for (String other : others) {
                    if (!other.equals(NetplanFile.PATH)) {
                        changes.add(FileChange.delete(other));
                    }
                }
            }
            case NETWORKD -> changes.add(FileChange.write(NetworkdFile.path(s), NetworkdFile.render(s)));
            default -> throw new IllegalStateException("no writer for " + distribution.network());
        }
        String previousHostname = read(paths, "/etc/hostname");
        String hosts = read(paths, HostsFile.PATH);
        changes.add(FileChange.write(HostsFile.PATH, HostsFile.edit(hosts == null ? defaultHosts() : hosts,
                previousHostname == null ? "" : previousHostname.trim(), s)));
        boolean dnsInNetworkConfig = distribution.network() == Distribution.NetworkStack.NETPLAN
                || distribution.network() == Distribution.NetworkStack.NETWORKD;
        boolean resolvIsLink = Files.isSymbolicLink(paths.resolve(ResolvConfFile.PATH));
        if ((!s.nameservers().isEmpty() || !s.domain().isEmpty()) && !(resolvIsLink && dnsInNetworkConfig)) {
            changes.add(FileChange.write(ResolvConfFile.PATH, ResolvConfFile.render(s)));
        }
        changes.add(FileChange.write("/etc/hostname", s.hostname() + "\n"));
        if (!resetIdentity) {
            return changes;
        }
        changes.add(FileChange.write("/etc/machine-id", ""));
        Path dbusId = paths.resolve("/var/lib/dbus/machine-id");
        if (Files.isRegularFile(dbusId, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            changes.add(FileChange.delete("/var/lib/dbus/machine-id"));
        }
        for (String key : list(paths, "/etc/ssh", "")) {
            String name = key.substring(key.lastIndexOf('/') + 1);
            if (name.startsWith("ssh_host_") && (name.endsWith("_key") || name.endsWith("_key.pub"))) {
                changes.add(FileChange.delete(key));
            }
        }
        return changes;
    }

    private static String defaultHosts() {
        return "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
    }

    private static boolean exists(GuestPaths paths, String guestPath) {
        return Files.exists(paths.resolve(guestPath), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    /** The file's text, or null when it does not exist. */
    private static String read(GuestPaths paths, String guestPath) {
        Path file = paths.resolve(guestPath);
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new AgentException(AgentStep.CONFIGURE, "cannot read " + file + ": " + e.getMessage(), false, e);
        }
    }

    /** Guest paths of the regular files in a directory whose names end with the suffix, sorted. */
    private static List<String> list(GuestPaths paths, String guestDirectory, String suffix) {
        Path directory = paths.resolve(guestDirectory);
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return names;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            for (Path entry : stream) {
                String name = entry.getFileName().toString();
                if (name.toLowerCase(Locale.ROOT).endsWith(suffix) && !name.startsWith(".")
                        && Files.isRegularFile(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    names.add(guestDirectory + "/" + name);
                }
            }
        } catch (IOException e) {
            throw new AgentException(AgentStep.CONFIGURE, "cannot list " + directory + ": " + e.getMessage(), false, e);
        }
        names.sort(null);
        return names;
    }
}
