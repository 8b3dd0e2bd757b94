package org.clonefarm.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Linux distribution of a guest root, from {@code <root>/etc/os-release} ({@code ID},
 * {@code ID_LIKE}, {@code VERSION_ID}), and the network configuration it uses:
 *
 * <table>
 *   <caption>Families</caption>
 *   <tr><th>family</th><th>which</th><th>network files</th></tr>
 *   <tr><td>sles</td><td>SLES, openSUSE (ID or ID_LIKE suse)</td><td>wicked ifcfg</td></tr>
 *   <tr><td>rhel</td><td>RHEL, CentOS, Rocky, Alma, Oracle (major 9 and later), Fedora 33 and later</td>
 *       <td>NetworkManager keyfile</td></tr>
 *   <tr><td>rhel</td><td>the same family, older releases</td><td>network-scripts ifcfg</td></tr>
 *   <tr><td>ubuntu</td><td>Ubuntu 18.04 and later, or any Debian-like root with /etc/netplan</td><td>netplan</td></tr>
 *   <tr><td>debian</td><td>Debian and other Debian-like roots</td><td>ifupdown</td></tr>
 *   <tr><td>networkd</td><td>anything else, or no os-release</td><td>systemd-networkd</td></tr>
 * </table>
 *
 * <p>Immutable.
 */
public record Distribution(String family, String id, String versionId, NetworkStack network) {

    /** How a distribution configures its interfaces. */
    public enum NetworkStack {
        WICKED_IFCFG("wicked-ifcfg"),
        NM_KEYFILE("networkmanager-keyfile"),
        REDHAT_IFCFG("network-scripts-ifcfg"),
        IFUPDOWN("ifupdown"),
        NETPLAN("netplan"),
        NETWORKD("systemd-networkd");

        private final String label;

        NetworkStack(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * Reads {@code <root>/etc/os-release} (or {@code <root>/usr/lib/os-release}).
     *
     * @throws AgentException (step configure, not retryable) when the file exists but cannot be read
     */
    public static Distribution detect(Path root) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String candidate : List.of("etc/os-release", "usr/lib/os-release")) {
            Path file = root.resolve(candidate);
            try {
                fields = parse(Files.readString(file, StandardCharsets.UTF_8));
                break;
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                throw new AgentException(AgentStep.CONFIGURE, "cannot read " + file + ": " + e.getMessage(), false, e);
            }
        }
        return classify(fields.getOrDefault("ID", ""), fields.getOrDefault("ID_LIKE", ""),
                fields.getOrDefault("VERSION_ID", ""), Files.isDirectory(root.resolve("etc/netplan")));
    }

    static Distribution classify(String id, String idLike, String versionId, boolean hasNetplanDirectory) {
        String lowerId = id.toLowerCase(Locale.ROOT);
        List<String> family = new java.util.ArrayList<>();
        family.add(lowerId);
        family.addAll(Arrays.asList(idLike.toLowerCase(Locale.ROOT).split("\\s+")));
        int major = major(versionId);
        if (family.stream().anyMatch(f -> f.equals("suse") || f.equals("sles") || f.startsWith("opensuse"))) {
            return new Distribution("sles", lowerId, versionId, NetworkStack.WICKED_IFCFG);
        }
        if (lowerId.equals("fedora")) {
            return new Distribution("rhel", lowerId, versionId,
                    major >= 33 ? NetworkStack.NM_KEYFILE : NetworkStack.REDHAT_IFCFG);
        }
        if (family.stream().anyMatch(f -> f.equals("rhel") || f.equals("fedora") || f.equals("centos"))) {
            return new Distribution("rhel", lowerId, versionId,
                    major >= 9 ? NetworkStack.NM_KEYFILE : NetworkStack.REDHAT_IFCFG);
        }
        if (lowerId.equals("ubuntu") || family.contains("ubuntu")) {
            boolean netplan = hasNetplanDirectory || !lowerId.equals("ubuntu") || major >= 18;
            return new Distribution("ubuntu", lowerId, versionId,
                    netplan ? NetworkStack.NETPLAN : NetworkStack.IFUPDOWN);
        }
        if (family.contains("debian")) {
            return new Distribution(hasNetplanDirectory ? "ubuntu" : "debian", lowerId, versionId,
                    hasNetplanDirectory ? NetworkStack.NETPLAN : NetworkStack.IFUPDOWN);
        }
        return new Distribution("networkd", lowerId, versionId, NetworkStack.NETWORKD);
    }

    private static int major(String versionId) {
        String digits = versionId.split("[^0-9]", 2)[0];
        return digits.isEmpty() ? 0 : Integer.parseInt(digits.length() > 6 ? digits.substring(0, 6) : digits);
    }

    /** Parses os-release: KEY=value lines, values optionally in single or double quotes. */
    static Map<String, String> parse(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            String line = raw.trim();
            int eq = line.indexOf('=');
            if (line.startsWith("#") || eq <= 0) {
                continue;
            }
            String value = line.substring(eq + 1).trim();
            if (value.length() >= 2 && (value.charAt(0) == '"' || value.charAt(0) == '\'')
                    && value.charAt(value.length() - 1) == value.charAt(0)) {
                value = value.substring(1, value.length() - 1).replace("\\\"", "\"");
            }
            fields.put(line.substring(0, eq).trim(), value);
        }
        return fields;
    }
}
