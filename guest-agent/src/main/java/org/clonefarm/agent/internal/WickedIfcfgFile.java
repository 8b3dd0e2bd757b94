package org.clonefarm.agent.internal;

import org.clonefarm.agent.GuestSettings;

/**
 * SLES and openSUSE (wicked): {@code /etc/sysconfig/network/ifcfg-<if>} with the static addresses, and
 * the default routes in {@code /etc/sysconfig/network/routes}. ifcfg(5) takes more addresses as
 * {@code IPADDR<suffix>}: the IPv4 address is {@code IPADDR}, the IPv6 one {@code IPADDR_6}
 * ({@code IPADDR} when the clone has no IPv4 address), each {@code ADDRESS/PREFIX}; routes(5) has one
 * {@code default GATEWAY - -} line per family.
 */
final class WickedIfcfgFile {
    private WickedIfcfgFile() {
    }

    static String path(GuestSettings s) {
        return "/etc/sysconfig/network/ifcfg-" + s.interfaceName();
    }

    static final String ROUTES = "/etc/sysconfig/network/routes";

    static String render(GuestSettings s) {
        StringBuilder text = new StringBuilder(FileHeader.of("#", s.userid()))
                .append("BOOTPROTO='static'\n")
                .append("STARTMODE='auto'\n");
        if (s.hasIpv4()) {
            text.append("IPADDR='").append(s.cidr()).append("'\n");
        }
        if (s.hasIpv6()) {
            text.append(s.hasIpv4() ? "IPADDR_6='" : "IPADDR='").append(s.cidr6()).append("'\n");
        }
        return text.toString();
    }

    /** Whether the clone has a default route to write. */
    static boolean hasRoutes(GuestSettings s) {
        return !s.gateway().isEmpty() || !s.gateway6().isEmpty();
    }

    /** The routes file: {@code default GATEWAY - -} per family (a link-local IPv6 router names the interface). */
    static String renderRoutes(GuestSettings s) {
        StringBuilder text = new StringBuilder(FileHeader.of("#", s.userid()));
        if (!s.gateway().isEmpty()) {
            text.append("default ").append(s.gateway()).append(" - -\n");
        }
        if (!s.gateway6().isEmpty()) {
            text.append("default ").append(s.gateway6()).append(" - ")
                    .append(s.gateway6().startsWith("fe") ? s.interfaceName() : "-").append('\n');
        }
        return text.toString();
    }
}
