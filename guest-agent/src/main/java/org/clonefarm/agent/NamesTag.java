package org.clonefarm.agent;

import java.util.Locale;

/**
 * The tags of a clone's NAMES entry that the agent understands, each declared once with a one-line
 * doc; {@link GuestSettings#from} checks each value for what it is, and {@link #describeAll()} is
 * what {@code agent keys} prints. Other tags are kept and reported (they may be for other tools), but
 * their values must hold no control character either.
 */
public enum NamesTag {
    HOSTNAME("host name: one RFC 1123 label (letters, digits, '-'), or a dotted name that also gives the domain;"
            + " default: the userid in lower case"),
    DOMAIN("DNS domain: RFC 1123 labels separated by dots; written to the hosts file and resolv.conf"),
    IPADDR("the clone's IPv4 address (a host address, not the network or broadcast address);"
            + " this or :ipaddr6. is required, both may be given"),
    NETMASK("required with :ipaddr. (or :prefix.): a contiguous netmask such as 255.255.255.0, or a prefix length 24"
            + " or /24"),
    PREFIX("IPv4 prefix length 1 to 32, used when :netmask. is absent (the coordinator writes it for a spec's /24)"),
    GATEWAY("IPv4 default gateway: another IPv4 host address in the clone's subnet"),
    IPADDR6("the clone's IPv6 address (global or unique-local unicast, such as fd00:1::21); this or :ipaddr. is"
            + " required, both may be given (the coordinator writes it for a spec whose addresses are IPv6)"),
    PREFIX6("required with :ipaddr6.: the IPv6 prefix length, 1 to 128 (the spec's prefix: 64)"),
    GATEWAY6("IPv6 default gateway: another address in the clone's IPv6 prefix, or a link-local router address"
            + " such as fe80::1"),
    NAMESERVERS("DNS servers: IPv4 or IPv6 addresses separated by blanks or commas"),
    INTERFACE("a Linux interface name (eth0) or a z/VM device number (0600 or 0.0.0600, configured as enc600);"
            + " wins over :macaddr. when both are given; default: the interface with :macaddr., else"
            + " interface.default"),
    MACADDR("the MAC address of the clone's interface (02:00:00:0a:1b:2c; '-' separators allowed), a unicast"
            + " address: without :interface. the agent configures the interface that has it (found in /sys/class/net;"
            + " one that no interface has is a retryable error). The coordinator writes it from the NICDEF's MACID,"
            + " else by CloneLayout.macAddress(userid), the MAC the QEMU guest runtime gives the clone"),
    BATCH("the batch of this clone, carried in the agent's events: " + org.clonefarm.platform.ids.BatchName.DESCRIPTION),
    ATTEMPT("the clone request's attempt number (0 to 999999), carried in the agent's events"),
    DISKS("device numbers of the clone's disks (1-4 hex digits each, separated by blanks); checked and reported");

    private final String doc;

    NamesTag(String doc) {
        this.doc = doc;
    }

    /** The tag's name as written in a NAMES file, without colon and period, in lower case. */
    public String tagName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** One line: what the value is and what the agent does with it. */
    public String doc() {
        return doc;
    }

    /**
     * What {@code agent keys} prints (both {@code clonefarm agent keys} and the agent jar's {@code keys}):
     * every key of the agent properties file, then every NAMES tag the agent reads, each with its doc.
     */
    public static String describeKeysAndTags() {
        return "Keys of the agent properties file (" + AgentConfig.DEFAULT_PATH + ", or --set KEY=VALUE):\n"
                + AgentConfig.describeKeys()
                + "\nTags of a clone's NAMES entry (the DEFAULTS entry is merged under it):\n"
                + describeAll();
    }

    /** One line per tag, {@code :name.} and its doc, for {@code agent keys}. */
    public static String describeAll() {
        StringBuilder text = new StringBuilder();
        for (NamesTag tag : values()) {
            text.append(':').append(tag.tagName()).append(".\n    ").append(tag.doc()).append('\n');
        }
        return text.toString();
    }
}
