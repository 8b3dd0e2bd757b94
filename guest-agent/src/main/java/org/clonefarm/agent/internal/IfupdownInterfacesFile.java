package org.clonefarm.agent.internal;

import org.clonefarm.agent.GuestSettings;

/**
 * Debian (ifupdown): the whole {@code /etc/network/interfaces}, so none of the master's addresses
 * survive: loopback, the interfaces.d include, and the clone's interface with an {@code inet static}
 * stanza for its IPv4 address and an {@code inet6 static} one for its IPv6 address (interfaces(5): one
 * {@code auto} line, a stanza per address family).
 */
final class IfupdownInterfacesFile {
    static final String PATH = "/etc/network/interfaces";

    private IfupdownInterfacesFile() {
    }

    static String render(GuestSettings s) {
        StringBuilder text = new StringBuilder(FileHeader.of("#", s.userid()));
        text.append("source /etc/network/interfaces.d/*\n\n")
                .append("auto lo\n")
                .append("iface lo inet loopback\n\n")
                .append("auto ").append(s.interfaceName()).append('\n');
        if (s.hasIpv4()) {
            text.append("iface ").append(s.interfaceName()).append(" inet static\n")
                    .append("    address ").append(s.cidr()).append('\n');
            if (!s.gateway().isEmpty()) {
                text.append("    gateway ").append(s.gateway()).append('\n');
            }
        }
        if (s.hasIpv6()) {
            text.append(s.hasIpv4() ? "\n" : "").append("iface ").append(s.interfaceName()).append(" inet6 static\n")
                    .append("    address ").append(s.cidr6()).append('\n');
            if (!s.gateway6().isEmpty()) {
                text.append("    gateway ").append(s.gateway6()).append('\n');
            }
        }
        return text.toString();
    }
}
