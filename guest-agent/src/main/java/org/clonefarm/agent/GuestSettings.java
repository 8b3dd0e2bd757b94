package org.clonefarm.agent;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.clonefarm.agent.internal.ControlCharacters;
import org.clonefarm.agent.internal.Ipv6;
import org.clonefarm.platform.ids.BatchName;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.names.NamesFile;

/**
 * The validated settings of one clone: its NAMES entry with the {@code DEFAULTS} entry merged under
 * it ({@link NamesFile#withDefaults}, the one rule), checked and normalized. The tags the agent reads are declared in {@link NamesTag}; names are
 * read in lower case. IPv4, IPv6 or both. Every value is checked for what it is before anything uses it, so
 * what reaches a file, an event or the agent's state is a host name, an address, a device number or
 * a batch name and nothing else:
 *
 * <ul>
 *   <li>{@code hostname}: an RFC 1123 label; defaults to the userid in lower case (the paper's
 *       choice); a dotted value is split into host and domain unless {@code :domain.} is given.</li>
 *   <li>{@code ipaddr} (IPv4) or {@code ipaddr6} (IPv6) is required, both may be given. With
 *       {@code ipaddr}, {@code netmask} (or {@code prefix}) is required; the netmask is dotted and
 *       contiguous ({@code 255.255.255.0}) or a prefix length ({@code 24} or {@code /24}); the address is
 *       a host address, not its subnet's network or broadcast address. With {@code ipaddr6},
 *       {@code prefix6} (1 to 128) is required; the address is a global or unique-local unicast address
 *       (not ::, ::1, multicast, link-local or IPv4-mapped), kept in its RFC 5952 form.</li>
 *   <li>{@code gateway}, when given, is another host address in the clone's IPv4 subnet;
 *       {@code gateway6} is another address in the IPv6 prefix, or a link-local router address.</li>
 *   <li>{@code nameservers}: IPv4 or IPv6 addresses separated by blanks (or commas).</li>
 *   <li>{@code interface}: a Linux name ({@code eth0}) or a z/VM device number ({@code 0600} or
 *       {@code 0.0.0600}), which becomes the predictable name {@code enc600}.</li>
 *   <li>{@code macaddr}: a unicast MAC address (six hex pairs separated by {@code :} or {@code -}),
 *       kept in lower case with colons. Without {@code interface}, the agent configures the interface
 *       that has this MAC ({@code GuestAgent} finds it; {@link #interfaceGiven()} says which rule
 *       named the interface).</li>
 *   <li>{@code batch}: a {@link BatchName}; {@code attempt}: 0 to 999999; {@code disks}: device
 *       numbers ({@link Vaddr}).</li>
 *   <li>any other tag is kept, but no value may hold a control character (a NAMES file is EBCDIC,
 *       and X'15' reads as a newline).</li>
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
        String ipaddr6,
        int prefixLength6,
        String gateway6,
        List<String> nameservers,
        String interfaceName,
        boolean interfaceGiven,
        String macAddress,
        String batchId,
        int attempt,
        Map<String, String> tags) {

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern DEVNO = Pattern.compile("(?:0\\.0\\.)?([0-9a-fA-F]{4})");
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}");

    public GuestSettings {
        nameservers = List.copyOf(nameservers);
        tags = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    }

    /**
     * Merges and validates an entry: every value is checked for what it is ({@link NamesTag}) before
     * anything uses it, and no value of any tag may hold a control character.
     *
     * @param userid the guest's userid (checked as a {@link Userid})
     * @param own the clone's own entry (tag names in any case)
     * @param defaults the {@code DEFAULTS} entry, or empty
     * @param defaultInterface the interface when the entry names none
     * @throws AgentException (step read-config, not retryable) with one sentence naming the entry,
     *     the tag and the value that is wrong (control characters escaped)
     */
    public static GuestSettings from(String userid, Map<String, String> own, Optional<Map<String, String>> defaults,
            String defaultInterface) {
        if (userid == null || !Userid.isValid(userid)) {
            throw new AgentException(AgentStep.READ_CONFIG, "'" + ControlCharacters.escape(userid)
                    + "' is not a z/VM userid (1 to 8 of A-Z, 0-9, @, # and $)", false);
        }
        Map<String, String> tags = NamesFile.withDefaults(own, defaults.orElse(Map.of()));
        tags.replaceAll((tag, value) -> value.trim());
        Set<String> inherited = new HashSet<>(tags.keySet());
        own.keySet().forEach(tag -> inherited.remove(tag.toLowerCase(Locale.ROOT)));
        Entry entry = new Entry(userid, tags, inherited);
        tags.forEach((tag, value) -> {
            if (ControlCharacters.indexIn(value) >= 0) {
                throw entry.bad(tag, "holds a control character");
            }
        });

        String hostname = entry.get(NamesTag.HOSTNAME).toLowerCase(Locale.ROOT);
        String domain = entry.get(NamesTag.DOMAIN).toLowerCase(Locale.ROOT);
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
        if (!LABEL.matcher(hostname).matches() && !tags.containsKey("hostname")) {
            throw new AgentException(AgentStep.READ_CONFIG, "the NAMES entry of " + userid + " has no :hostname. tag"
                    + " and the userid is no host name; give the entry a :hostname.", false);
        }
        if (!LABEL.matcher(hostname).matches()) {
            throw entry.bad(NamesTag.HOSTNAME, "is not a host name (1 to 63 letters, digits and '-', not at either end)");
        }
        if (!domain.isEmpty()) {
            for (String label : domain.split("\\.", -1)) {
                if (!LABEL.matcher(label).matches()) {
                    throw entry.bad(tags.containsKey("domain") ? NamesTag.DOMAIN : NamesTag.HOSTNAME,
                            "is not a domain name (labels of letters, digits and '-' separated by dots)");
                }
            }
            if (hostname.length() + 1 + domain.length() > 253) {
                throw entry.bad(tags.containsKey("domain") ? NamesTag.DOMAIN : NamesTag.HOSTNAME,
                        "makes a host name longer than 253 characters");
            }
        }
        if (entry.get(NamesTag.IPADDR).isEmpty() && entry.get(NamesTag.IPADDR6).isEmpty()) {
            throw new AgentException(AgentStep.READ_CONFIG, "the NAMES entry of " + userid + " has no :ipaddr. tag"
                    + " and no :ipaddr6. tag (nor has DEFAULTS): give it an IPv4 or an IPv6 address", false);
        }
        String ipaddr = "";
        int prefix = 0;
        String gateway = "";
        if (!entry.get(NamesTag.IPADDR).isEmpty()) {
            long ip = parseIpv4(entry, NamesTag.IPADDR, entry.get(NamesTag.IPADDR));
            prefix = prefixLength(entry);
            long mask = mask(prefix);
            checkHostAddress(entry, NamesTag.IPADDR, ip, mask, prefix);
            ipaddr = format(ip);
            gateway = entry.get(NamesTag.GATEWAY);
            if (!gateway.isEmpty()) {
                long gw = parseIpv4(entry, NamesTag.GATEWAY, gateway);
                if ((gw & mask) != (ip & mask) || gw == ip) {
                    throw entry.bad(NamesTag.GATEWAY, "is not another address in the clone's subnet "
                            + format(ip & mask) + "/" + prefix);
                }
                checkHostAddress(entry, NamesTag.GATEWAY, gw, mask, prefix);
                gateway = format(gw);
            }
        } else if (!entry.get(NamesTag.GATEWAY).isEmpty()) {
            throw entry.bad(NamesTag.GATEWAY, "is an IPv4 gateway for a clone without :ipaddr.; an IPv6 gateway is"
                    + " :gateway6.");
        }
        String ipaddr6 = "";
        int prefix6 = 0;
        String gateway6 = "";
        if (!entry.get(NamesTag.IPADDR6).isEmpty()) {
            byte[] ip6 = Ipv6.parse(entry.get(NamesTag.IPADDR6));
            if (ip6 == null) {
                throw entry.bad(NamesTag.IPADDR6, "is not an IPv6 address (such as fd00:1::21)");
            }
            String hostProblem = Ipv6.hostProblem(ip6);
            if (hostProblem != null) {
                throw entry.bad(NamesTag.IPADDR6, "is not a host address of its own (" + hostProblem + ")");
            }
            String prefixText = entry.required(NamesTag.PREFIX6);
            String p6 = prefixText.startsWith("/") ? prefixText.substring(1) : prefixText;
            if (!p6.matches("[0-9]{1,3}") || Integer.parseInt(p6) < 1 || Integer.parseInt(p6) > 128) {
                throw entry.bad(NamesTag.PREFIX6, "is not a prefix length of 1 to 128");
            }
            prefix6 = Integer.parseInt(p6);
            ipaddr6 = Ipv6.format(ip6);
            gateway6 = entry.get(NamesTag.GATEWAY6);
            if (!gateway6.isEmpty()) {
                byte[] gw6 = Ipv6.parse(gateway6);
                if (gw6 == null) {
                    throw entry.bad(NamesTag.GATEWAY6, "is not an IPv6 address (such as fd00:1::1 or fe80::1)");
                }
                boolean linkLocal = Ipv6.isLinkLocal(gw6);
                if (!linkLocal && Ipv6.hostProblem(gw6) != null) {
                    throw entry.bad(NamesTag.GATEWAY6, "is not a router address (" + Ipv6.hostProblem(gw6) + ")");
                }
                if (!linkLocal && (!Ipv6.samePrefix(ip6, gw6, prefix6) || java.util.Arrays.equals(ip6, gw6))) {
                    throw entry.bad(NamesTag.GATEWAY6, "is neither another address in the clone's prefix "
                            + Ipv6.format(Ipv6.network(ip6, prefix6)) + "/" + prefix6 + " nor a link-local address");
                }
                gateway6 = Ipv6.format(gw6);
            }
        } else {
            for (NamesTag alone : List.of(NamesTag.PREFIX6, NamesTag.GATEWAY6)) {
                if (!entry.get(alone).isEmpty()) {
                    throw entry.bad(alone, "is given for a clone without :ipaddr6.");
                }
            }
        }
        List<String> nameservers = new ArrayList<>();
        for (String server : entry.get(NamesTag.NAMESERVERS).split("[\\s,]+")) {
            if (server.isEmpty()) {
                continue;
            }
            if (server.contains(":")) {
                byte[] v6 = Ipv6.parse(server);
                if (v6 == null) {
                    throw entry.bad(NamesTag.NAMESERVERS, server, "is not an IPv4 or IPv6 address");
                }
                nameservers.add(Ipv6.format(v6));
            } else {
                nameservers.add(format(parseIpv4(entry, NamesTag.NAMESERVERS, server)));
            }
        }
        String macAddress = entry.get(NamesTag.MACADDR);
        if (!macAddress.isEmpty()) {
            if (!MAC.matcher(macAddress).matches()) {
                throw entry.bad(NamesTag.MACADDR, "is not a MAC address (six hex pairs separated by ':' or '-')");
            }
            macAddress = macAddress.toLowerCase(Locale.ROOT).replace('-', ':');
            int first = Integer.parseInt(macAddress.substring(0, 2), 16);
            if ((first & 1) != 0) {
                throw entry.bad(NamesTag.MACADDR, "is a multicast address, not the address of one interface");
            }
            if (macAddress.equals("00:00:00:00:00:00")) {
                throw entry.bad(NamesTag.MACADDR, "is the all-zero address, not the address of one interface");
            }
        }
        String iface = entry.get(NamesTag.INTERFACE);
        boolean interfaceGiven = !iface.isEmpty();
        if (iface.isEmpty()) {
            iface = defaultInterface;
        }
        var devno = DEVNO.matcher(iface);
        if (devno.matches()) {
            iface = "enc" + Integer.toHexString(Vaddr.of(devno.group(1)).number());
        } else if (!IFNAME.matcher(iface).matches() || iface.equals(".") || iface.equals("..")) {
            throw entry.bad(NamesTag.INTERFACE, "is neither an interface name (1 to 15 letters, digits, '.', '_' and"
                    + " '-') nor a device number such as 0600");
        }
        String batch = entry.get(NamesTag.BATCH);
        if (!batch.isEmpty() && !BatchName.isValid(batch)) {
            throw entry.bad(NamesTag.BATCH, "is not a batch name (" + BatchName.DESCRIPTION + ")");
        }
        int attempt = 0;
        String attemptText = entry.get(NamesTag.ATTEMPT);
        if (!attemptText.isEmpty()) {
            if (!attemptText.matches("[0-9]{1,6}")) {
                throw entry.bad(NamesTag.ATTEMPT, "is not a whole number of 0 to 999999");
            }
            attempt = Integer.parseInt(attemptText);
        }
        for (String disk : entry.get(NamesTag.DISKS).split("[\\s,]+")) {
            if (!disk.isEmpty() && !Vaddr.isValid(disk)) {
                throw entry.bad(NamesTag.DISKS, "is not a list of device numbers (1-4 hex digits each, such as 0200 0201)");
            }
        }
        return new GuestSettings(userid, hostname, domain, ipaddr, prefix, gateway, ipaddr6, prefix6, gateway6,
                nameservers, iface, interfaceGiven, macAddress, batch, attempt, tags);
    }

    /** {@code host.domain}, or the host name alone without a domain. */
    public String fqdn() {
        return domain.isEmpty() ? hostname : hostname + "." + domain;
    }

    /** The netmask in dotted form, or empty without an IPv4 address. */
    public String netmask() {
        return ipaddr.isEmpty() ? "" : format(prefixLength == 0 ? 0 : (0xFFFFFFFFL << (32 - prefixLength)) & 0xFFFFFFFFL);
    }

    /** Whether the clone has an IPv4 address ({@code :ipaddr.}). */
    public boolean hasIpv4() {
        return !ipaddr.isEmpty();
    }

    /** Whether the clone has an IPv6 address ({@code :ipaddr6.}). */
    public boolean hasIpv6() {
        return !ipaddr6.isEmpty();
    }

    /** {@code ipaddr/prefix}, e.g. {@code 10.1.0.11/24}, or empty without an IPv4 address. */
    public String cidr() {
        return ipaddr.isEmpty() ? "" : ipaddr + "/" + prefixLength;
    }

    /** {@code ipaddr6/prefix6}, e.g. {@code fd00:1::21/64}, or empty without an IPv6 address. */
    public String cidr6() {
        return ipaddr6.isEmpty() ? "" : ipaddr6 + "/" + prefixLength6;
    }

    /** The addresses the clone's interface must carry, IPv4 first, each as {@code address/prefix}. */
    public List<String> addresses() {
        List<String> addresses = new ArrayList<>();
        if (hasIpv4()) {
            addresses.add(cidr());
        }
        if (hasIpv6()) {
            addresses.add(cidr6());
        }
        return addresses;
    }

    /** The clone's main address: the IPv4 one, else the IPv6 one (for the hosts file's line). */
    public String primaryAddress() {
        return hasIpv4() ? ipaddr : ipaddr6;
    }

    /**
     * These settings with the interface found for {@link #macAddress()} (the agent looks it up in the
     * running system; {@link #interfaceGiven()} stays false, so it is known how the name came).
     */
    public GuestSettings withInterfaceName(String name) {
        return new GuestSettings(userid, hostname, domain, ipaddr, prefixLength, gateway, ipaddr6, prefixLength6,
                gateway6, nameservers, name, interfaceGiven, macAddress, batchId, attempt, tags);
    }

    /**
     * The settings as the tags they came from, normalized: the tags the agent applies first (hostname,
     * domain, ipaddr, netmask, gateway, then ipaddr6, prefix6 and gateway6 when there is an IPv6 address,
     * nameservers, interface, and macaddr when given) with the values it applies, then every other tag of
     * the merged entry in name order.
     */
    public Map<String, String> effectiveTags() {
        Map<String, String> effective = new LinkedHashMap<>();
        effective.put("hostname", hostname);
        effective.put("domain", domain);
        effective.put("ipaddr", ipaddr);
        effective.put("netmask", netmask());
        effective.put("gateway", gateway);
        if (hasIpv6()) {
            effective.put("ipaddr6", ipaddr6);
            effective.put("prefix6", Integer.toString(prefixLength6));
            effective.put("gateway6", gateway6);
        }
        effective.put("nameservers", String.join(" ", nameservers));
        effective.put("interface", interfaceName);
        if (!macAddress.isEmpty()) {
            effective.put("macaddr", macAddress);
        }
        new java.util.TreeMap<>(tags).forEach(effective::putIfAbsent);
        return effective;
    }

    /** The merged entry being read, for the values and for messages that say where a value came from. */
    private record Entry(String userid, Map<String, String> tags, Set<String> inherited) {
        String get(NamesTag tag) {
            return tags.getOrDefault(tag.tagName(), "");
        }

        String required(NamesTag tag) {
            String value = get(tag);
            if (value.isEmpty()) {
                throw new AgentException(AgentStep.READ_CONFIG, "the NAMES entry of " + userid + " has no :"
                        + tag.tagName() + ". tag (nor has DEFAULTS)", false);
            }
            return value;
        }

        AgentException bad(NamesTag tag, String why) {
            return bad(tag.tagName(), why);
        }

        AgentException bad(String tag, String why) {
            String where = inherited.contains(tag) ? "the DEFAULTS entry (merged under " + userid + ")"
                    : "the NAMES entry of " + userid;
            return new AgentException(AgentStep.READ_CONFIG, where + " has :" + tag + ". '"
                    + ControlCharacters.escape(tags.getOrDefault(tag, "")) + "', which " + why, false);
        }

        AgentException bad(NamesTag tag, String value, String why) {
            String where = inherited.contains(tag.tagName()) ? "the DEFAULTS entry (merged under " + userid + ")"
                    : "the NAMES entry of " + userid;
            return new AgentException(AgentStep.READ_CONFIG, where + " has :" + tag.tagName() + ". '"
                    + ControlCharacters.escape(value) + "', which " + why, false);
        }
    }

    private static long mask(int prefix) {
        return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    }

    /** From :netmask. (dotted or a prefix length), else :prefix.; both given must agree. */
    private static int prefixLength(Entry entry) {
        String netmask = entry.get(NamesTag.NETMASK);
        String prefixText = entry.get(NamesTag.PREFIX);
        if (netmask.isEmpty() && prefixText.isEmpty()) {
            entry.required(NamesTag.NETMASK);
        }
        Integer fromPrefix = null;
        if (!prefixText.isEmpty()) {
            String t = prefixText.startsWith("/") ? prefixText.substring(1) : prefixText;
            if (!t.matches("[0-9]{1,2}") || Integer.parseInt(t) < 1 || Integer.parseInt(t) > 32) {
                throw entry.bad(NamesTag.PREFIX, "is not a prefix length of 1 to 32");
            }
            fromPrefix = Integer.parseInt(t);
        }
        if (netmask.isEmpty()) {
            return fromPrefix;
        }
        int prefix = parseNetmask(entry, netmask);
        if (fromPrefix != null && fromPrefix != prefix) {
            throw entry.bad(NamesTag.PREFIX, "disagrees with :netmask. " + netmask);
        }
        return prefix;
    }

    private static int parseNetmask(Entry entry, String text) {
        String t = text.startsWith("/") ? text.substring(1) : text;
        if (t.matches("[0-9]{1,2}")) {
            int prefix = Integer.parseInt(t);
            if (prefix >= 1 && prefix <= 32) {
                return prefix;
            }
            throw entry.bad(NamesTag.NETMASK, "is not a prefix length of 1 to 32");
        }
        long mask = parseIpv4(entry, NamesTag.NETMASK, text);
        int prefix = Long.numberOfLeadingZeros(~mask & 0xFFFFFFFFL) - 32;
        if (mask != mask(prefix) || prefix == 0) {
            throw entry.bad(NamesTag.NETMASK, "is not a contiguous netmask such as 255.255.255.0");
        }
        return prefix;
    }

    private static long parseIpv4(Entry entry, NamesTag tag, String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw entry.bad(tag, text, "is not an IPv4 address (four numbers 0-255 separated by dots)");
        }
        long value = 0;
        for (String part : parts) {
            if (!part.matches("[0-9]{1,3}") || Integer.parseInt(part) > 255) {
                throw entry.bad(tag, text, "is not an IPv4 address (four numbers 0-255 separated by dots)");
            }
            value = (value << 8) | Integer.parseInt(part);
        }
        return value;
    }

    /** A host's own address: not 0.x, loopback or multicast, nor the network or broadcast address of its subnet. */
    private static void checkHostAddress(Entry entry, NamesTag tag, long address, long mask, int prefix) {
        long first = address >>> 24;
        if (first == 0 || first == 127 || first >= 224) {
            throw entry.bad(tag, "is not a host address (0.x, 127.x and 224.0.0.0 and above are not)");
        }
        if (prefix <= 30 && (address & ~mask & 0xFFFFFFFFL) == 0) {
            throw entry.bad(tag, "is the network address of the subnet " + format(address & mask) + "/" + prefix);
        }
        if (prefix <= 30 && (address & ~mask & 0xFFFFFFFFL) == (~mask & 0xFFFFFFFFL)) {
            throw entry.bad(tag, "is the broadcast address of the subnet " + format(address & mask) + "/" + prefix);
        }
    }

    private static String format(long ip) {
        return ((ip >> 24) & 255) + "." + ((ip >> 16) & 255) + "." + ((ip >> 8) & 255) + "." + (ip & 255);
    }
}
