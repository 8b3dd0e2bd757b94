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
import org.clonefarm.platform.ids.BatchName;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.names.NamesFile;

/**
 * The validated settings of one clone: its NAMES entry with the {@code DEFAULTS} entry merged under
 * it ({@link NamesFile#withDefaults}, the one rule), checked and normalized. The tags the agent reads are declared in {@link NamesTag}; names are
 * read in lower case. IPv4 only. Every value is checked for what it is before anything uses it, so
 * what reaches a file, an event or the agent's state is a host name, an address, a device number or
 * a batch name and nothing else:
 *
 * <ul>
 *   <li>{@code hostname}: an RFC 1123 label; defaults to the userid in lower case (the paper's
 *       choice); a dotted value is split into host and domain unless {@code :domain.} is given.</li>
 *   <li>{@code ipaddr} and {@code netmask} (or {@code prefix}) are required; the netmask is dotted
 *       and contiguous ({@code 255.255.255.0}) or a prefix length ({@code 24} or {@code /24}); the
 *       address is a host address, not its subnet's network or broadcast address.</li>
 *   <li>{@code gateway}, when given, is another host address in the clone's subnet.</li>
 *   <li>{@code nameservers}: addresses separated by blanks (or commas).</li>
 *   <li>{@code interface}: a Linux name ({@code eth0}) or a z/VM device number ({@code 0600} or
 *       {@code 0.0.0600}), which becomes the predictable name {@code enc600}.</li>
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
        long ip = parseIpv4(entry, NamesTag.IPADDR, entry.required(NamesTag.IPADDR));
        int prefix = prefixLength(entry);
        long mask = mask(prefix);
        checkHostAddress(entry, NamesTag.IPADDR, ip, mask, prefix);
        String gateway = entry.get(NamesTag.GATEWAY);
        if (!gateway.isEmpty()) {
            long gw = parseIpv4(entry, NamesTag.GATEWAY, gateway);
            if ((gw & mask) != (ip & mask) || gw == ip) {
                throw entry.bad(NamesTag.GATEWAY, "is not another address in the clone's subnet "
                        + format(ip & mask) + "/" + prefix);
            }
            checkHostAddress(entry, NamesTag.GATEWAY, gw, mask, prefix);
            gateway = format(gw);
        }
        List<String> nameservers = new ArrayList<>();
        for (String server : entry.get(NamesTag.NAMESERVERS).split("[\\s,]+")) {
            if (!server.isEmpty()) {
                nameservers.add(format(parseIpv4(entry, NamesTag.NAMESERVERS, server)));
            }
        }
        String iface = entry.get(NamesTag.INTERFACE);
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
        return new GuestSettings(userid, hostname, domain, format(ip), prefix, gateway, nameservers, iface,
                batch, attempt, tags);
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
