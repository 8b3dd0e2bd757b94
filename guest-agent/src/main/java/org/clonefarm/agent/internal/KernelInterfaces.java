package org.clonefarm.agent.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.clonefarm.agent.AgentException;
import org.clonefarm.agent.AgentStep;

/**
 * The network interfaces of the running system, as the kernel shows them: names and MAC addresses
 * from {@code <root>/sys/class/net/<if>/address} (sysfs, under the agent's root, so a test can give it
 * the sysfs of a network namespace), and the addresses configured on an interface through
 * {@link NetworkInterface} (the kernel of the process's own network namespace).
 *
 * <p>{@link #live()} says whether there is a running system to ask: a guest root without
 * {@code sys/class/net} is a tree on disk (the local loop-mount simulation, where the agent runs as a
 * host process, or a dry run), and then neither a MAC lookup nor the kernel's addresses mean anything
 * for the clone; the callers fall back and say so. Stateless apart from its root; thread-safe.
 */
public final class KernelInterfaces {
    private static final Duration POLL = Duration.ofMillis(100);

    private final Path root;
    private final Path classNet;

    private KernelInterfaces(Path root) {
        this.root = root;
        this.classNet = root.resolve("sys/class/net");
    }

    /** The interfaces of the system whose root is {@code root} ({@code /} in a guest). */
    public static KernelInterfaces at(Path root) {
        return new KernelInterfaces(root);
    }

    /** Whether {@code <root>/sys/class/net} is there: whether the agent runs inside the system it configures. */
    public boolean live() {
        return Files.isDirectory(classNet);
    }

    /** Where the interfaces are listed, {@code <root>/sys/class/net}, for messages. */
    public Path classNet() {
        return classNet;
    }

    /** Every interface and its MAC address (lower case; empty when it has none), by name. */
    public Map<String, String> macAddresses() throws IOException {
        Map<String, String> macs = new TreeMap<>();
        try (DirectoryStream<Path> links = Files.newDirectoryStream(classNet)) {
            for (Path link : links) {
                String address = readAttribute(link.resolve("address"));
                macs.put(link.getFileName().toString(), address == null ? "" : address.toLowerCase(Locale.ROOT));
            }
        }
        return macs;
    }

    /**
     * The name of the interface whose MAC address is {@code mac}, waiting up to {@code wait} for it to
     * appear (early in the boot udev may still be loading the driver or renaming the interface). Where
     * udev runs ({@code <root>/run/udev} exists) the name is taken once udev has processed the interface
     * (its database entry {@code /run/udev/data/n<ifindex>} exists), so a kernel name such as eth0 that
     * udev is about to rename is not written into the network files. When several interfaces share the
     * MAC (VLANs, bond ports), the one backed by a device ({@code device} link) is it.
     *
     * @throws AgentException (configure, retryable) naming the MAC and the interfaces seen, when none has
     *     it within {@code wait}; (configure, not retryable) when several devices have it
     */
    public String nameOf(String mac, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        Map<String, String> seen = Map.of();
        while (true) {
            try {
                seen = macAddresses();
            } catch (IOException e) {
                throw new AgentException(AgentStep.CONFIGURE, "cannot list the network interfaces in " + classNet + ": "
                        + e.getMessage(), true, e);
            }
            List<String> matches = new ArrayList<>();
            for (Map.Entry<String, String> link : seen.entrySet()) {
                if (link.getValue().equals(mac)) {
                    matches.add(link.getKey());
                }
            }
            if (matches.size() > 1) {
                List<String> devices = matches.stream().filter(n -> Files.exists(classNet.resolve(n).resolve("device")))
                        .toList();
                if (devices.size() != 1) {
                    throw new AgentException(AgentStep.CONFIGURE, "several interfaces have the MAC address " + mac + " of"
                            + " :macaddr. (" + String.join(", ", matches) + "); name the one to configure with :interface.",
                            false);
                }
                matches = devices;
            }
            if (matches.size() == 1 && settledByUdev(matches.get(0))) {
                return matches.get(0);
            }
            if (System.nanoTime() - deadline >= 0) {
                break;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AgentException(AgentStep.CONFIGURE, "interrupted while waiting for the interface with MAC " + mac,
                        true, e);
            }
        }
        List<String> described = new ArrayList<>();
        seen.forEach((name, address) -> described.add(name + (address.isEmpty() ? "" : " " + address)));
        throw new AgentException(AgentStep.CONFIGURE, "no network interface has the MAC address " + mac + " of :macaddr."
                + " after " + wait.toMillis() + " ms; the interfaces in " + classNet + " are "
                + (described.isEmpty() ? "none" : String.join(", ", described))
                + " (is the NIC attached with this MAC? :interface. names one instead)", true);
    }

    /** Whether udev is done with the interface: always where no udev runs under the root. */
    private boolean settledByUdev(String name) {
        Path udev = root.resolve("run/udev");
        if (!Files.isDirectory(udev)) {
            return true;
        }
        String index = readAttribute(classNet.resolve(name).resolve("ifindex"));
        return index != null && Files.exists(udev.resolve("data").resolve("n" + index.trim()));
    }

    /**
     * The addresses configured on the interface now, as the kernel of this process's network namespace
     * has them: {@code ADDRESS/PREFIX}, IPv4 first, then IPv6 (RFC 5952 text), link-local IPv6 left out
     * (the kernel makes one on every interface; it says nothing about the clone's configuration).
     *
     * @return empty when the interface does not exist
     * @throws IOException when the kernel cannot be asked
     */
    public static Optional<List<String>> configuredAddresses(String name) throws IOException {
        NetworkInterface nic;
        try {
            nic = NetworkInterface.getByName(name);
        } catch (SocketException e) {
            throw new IOException("cannot ask the kernel about interface " + name + ": " + e.getMessage(), e);
        }
        if (nic == null) {
            return Optional.empty();
        }
        List<String> v4 = new ArrayList<>();
        List<String> v6 = new ArrayList<>();
        for (InterfaceAddress address : nic.getInterfaceAddresses()) {
            InetAddress inet = address.getAddress();
            byte[] bytes = inet.getAddress();
            if (bytes.length == 4) {
                v4.add(inet.getHostAddress() + "/" + address.getNetworkPrefixLength());
            } else if (!Ipv6.isLinkLocal(bytes)) {
                v6.add(Ipv6.format(bytes) + "/" + address.getNetworkPrefixLength());
            }
        }
        v4.sort(null);
        v6.sort(null);
        v4.addAll(v6);
        return Optional.of(v4);
    }

    private static String readAttribute(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return null; // an interface that went away while listed, or one without the attribute
        }
    }
}
