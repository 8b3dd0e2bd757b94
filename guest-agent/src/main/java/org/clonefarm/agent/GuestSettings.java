package org.clonefarm.agent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The validated settings of one clone: its NAMES entry with the {@code DEFAULTS} entry merged under
 * it, checked and normalized. Tags ({@code :hostname. :ipaddr. :netmask. :gateway. :nameservers.
 * :domain. :interface. :disks.}, plus {@code :batch.} and {@code :attempt.} that tie the agent's
 * events to the clone request) are read with names in lower case. IPv4 only.
 *
 * <ul>
 *   <li>{@code hostname}: defaults to the userid in lower case (the paper's choice); a dotted value
 *       is split into host and domain unless {@code :domain.} is given.</li>
 *   <li>{@code ipaddr} and {@code netmask} are required; the netmask is dotted ({@code 255.255.255.0})
 *       or a prefix length ({@code 24} or {@code /24}).</li>
 *   <li>{@code gateway}, when given, must lie in the clone's subnet.</li>
 *   <li>{@code nameservers}: addresses separated by blanks (or commas).</li>
 *   <li>{@code interface}: a Linux name ({@code eth0}) or a z/VM device number ({@code 0600} or
 *       {@code 0.0.0600}), which becomes the predictable name {@code enc600}.</li>
 * </ul>
 *
 * <p>Immutable.
 */
public record GuestSettings(
        String userid,
        String hostname,
        String domain,
        String ipaddr,
        int prefixLength,
        String gateway,
        List<String> nameservers,
        String interfaceName,
        String batchId,
        int attempt,
        Map<String, String> tags) {

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern DEVNO = Pattern.compile("(?:0\\.0\\.)?([0-9a-fA-F]{4})");
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

    public GuestSettings {
        nameservers = List.copyOf(nameservers);
        tags = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    }

    /**
     * Merges and validates an entry.
     *
     * @param own the clone's own entry (tag names in any case)
     * @param defaults the {@code DEFAULTS} entry, or empty
     * @param defaultInterface the interface when the entry names none
     * @throws AgentException (step read-config, not retryable) with one sentence naming the userid,
     *     the tag and the value that is wrong
     */
    public static GuestSettings from(String userid, Map<String, String> own, Optional<Map<String, String>> defaults,
            String defaultInterface) {
        Map<String, String> tags = new LinkedHashMap<>();
        defaults.ifPresent(d -> d.forEach((k, v) -> tags.put(k.toLowerCase(Locale.ROOT), v.trim())));
        own.forEach((k, v) -> tags.put(k.toLowerCase(Locale.ROOT), v.trim()));
        tags.remove("nick");

        String hostname = tags.getOrDefault("hostname", "").toLowerCase(Locale.ROOT);
        String domain = tags.getOrDefault("domain", "").toLowerCase(Locale.ROOT);
        if (hostname.isEmpty()) {
            hostname = userid.toLowerCase(Locale.ROOT);
        }
        int dot = hostname.indexOf('.');
        if (dot > 0) {
            if (domain.isEmpty()) {
                domain = hostname.substring(dot + 1);
            }
            hostname = hostname.substring(0, dot);
        }
        if (!LABEL.matcher(hostname).matches()) {
            throw bad(userid, "hostname", tags.get("hostname"), "is not a host name (letters, digits and '-')");
        }
        if (!domain.isEmpty()) {
            for (String label : domain.split("\\.", -1)) {
                if (!LABEL.matcher(label).matches()) {
                    throw bad(userid, "domain", domain, "is not a domain name");
                }
            }
        }
        String ipText = required(userid, tags, "ipaddr");
        long ip = parseIpv4(userid, "ipaddr", ipText);
        int prefix = parsePrefix(userid, required(userid, tags, "netmask"));
        long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        String gateway = tags.getOrDefault("gateway", "");
        if (!gateway.isEmpty()) {
            long gw = parseIpv4(userid, "gateway", gateway);
            if ((gw & mask) != (ip & mask) || gw == ip) {
                throw bad(userid, "gateway", gateway, "is not another address in the clone's subnet "
                        + format(ip & mask) + "/" + prefix);
            }
            gateway = format(gw);
        }
        List<String> nameservers = new ArrayList<>();
        for (String server : tags.getOrDefault("nameservers", "").split("[\\s,]+")) {
            if (!server.isEmpty()) {
                nameservers.add(format(parseIpv4(userid, "nameservers", server)));
            }
        }
        String iface = tags.getOrDefault("interface", "");
        if (iface.isEmpty()) {
            iface = defaultInterface;
        }
        var devno = DEVNO.matcher(iface);
        if (devno.matches()) {
            iface = "enc" + Integer.toHexString(Integer.parseInt(devno.group(1), 16));
        } else if (!IFNAME.matcher(iface).matches()) {
            throw bad(userid, "interface", iface, "is neither an interface name nor a device number such as 0600");
        }
        int attempt = 0;
        String attemptText = tags.getOrDefault("attempt", "");
        if (!attemptText.isEmpty()) {
            if (!attemptText.matches("[0-9]{1,6}")) {
                throw bad(userid, "attempt", attemptText, "is not a whole number");
            }
            attempt = Integer.parseInt(attemptText);
        }
        return new GuestSettings(userid, hostname, domain, format(ip), prefix, gateway, nameservers, iface,
                tags.getOrDefault("batch", ""), attempt, tags);
    }

    /** {@code host.domain}, or the host name alone without a domain. */
    public String fqdn() {
        return domain.isEmpty() ? hostname : hostname + "." + domain;
    }

    /** The netmask in dotted form. */
    public String netmask() {
        return format(prefixLength == 0 ? 0 : (0xFFFFFFFFL << (32 - prefixLength)) & 0xFFFFFFFFL);
    }

    /** {@code ipaddr/prefix}, e.g. {@code 10.1.0.11/24}. */
    public String cidr() {
        return ipaddr + "/" + prefixLength;
    }

    /**
     * The settings as the tags they came from, normalized: the tags the agent applies first (hostname,
     * domain, ipaddr, netmask, gateway, nameservers, interface) with the values it applies, then every
     * other tag of the merged entry in name order.
     */
    public Map<String, String> effectiveTags() {
        Map<String, String> effective = new LinkedHashMap<>();
        effective.put("hostname", hostname);
        effective.put("domain", domain);
        effective.put("ipaddr", ipaddr);
        effective.put("netmask", netmask());
        effective.put("gateway", gateway);
        effective.put("nameservers", String.join(" ", nameservers));
        effective.put("interface", interfaceName);
        new java.util.TreeMap<>(tags).forEach(effective::putIfAbsent);
        return effective;
    }

    private static String required(String userid, Map<String, String> tags, String tag) {
        String value = tags.getOrDefault(tag, "");
        if (value.isEmpty()) {
            throw new AgentException(AgentStep.READ_CONFIG, "the NAMES entry of " + userid + " has no :" + tag
                    + ". tag (nor has DEFAULTS)", false);
        }
        return value;
    }

    private static AgentException bad(String userid, String tag, String value, String why) {
        return new AgentException(AgentStep.READ_CONFIG, "the NAMES entry of " + userid + " has :" + tag + ". '"
                + value + "', which " + why, false);
    }

    private static long parseIpv4(String userid, String tag, String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw bad(userid, tag, text, "is not an IPv4 address (four numbers 0-255 separated by dots)");
        }
        long value = 0;
        for (String part : parts) {
            if (!part.matches("[0-9]{1,3}") || Integer.parseInt(part) > 255) {
                throw bad(userid, tag, text, "is not an IPv4 address (four numbers 0-255 separated by dots)");
            }
            value = (value << 8) | Integer.parseInt(part);
        }
        return value;
    }

    private static int parsePrefix(String userid, String text) {
        String t = text.startsWith("/") ? text.substring(1) : text;
        if (t.matches("[0-9]{1,2}")) {
            int prefix = Integer.parseInt(t);
            if (prefix >= 1 && prefix <= 32) {
                return prefix;
            }
            throw bad(userid, "netmask", text, "is not a prefix length of 1 to 32");
        }
        long mask = parseIpv4(userid, "netmask", text);
        int prefix = Long.numberOfLeadingZeros(~mask & 0xFFFFFFFFL) - 32;
        long expected = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        if (mask != expected || prefix == 0) {
            throw bad(userid, "netmask", text, "is not a contiguous netmask such as 255.255.255.0");
        }
        return prefix;
    }

    private static String format(long ip) {
        return ((ip >> 24) & 255) + "." + ((ip >> 16) & 255) + "." + ((ip >> 8) & 255) + "." + (ip & 255);
    }
}
