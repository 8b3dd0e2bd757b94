package org.clonefarm.agent.internal;

import org.clonefarm.agent.GuestSettings;

/**
 * RHEL family before 9: {@code /etc/sysconfig/network-scripts/ifcfg-<if>} (initscripts / NetworkManager
 * ifcfg-rh): {@code IPADDR}, {@code PREFIX}, {@code GATEWAY} for IPv4; {@code IPV6INIT=yes},
 * {@code IPV6_AUTOCONF=no}, {@code IPV6ADDR=ADDRESS/PREFIX}, {@code IPV6_DEFAULTGW} for IPv6
 * (initscripts' sysconfig.txt); {@code DNSn} take servers of either family.
 */
final class RedHatIfcfgFile {
    static final String DIRECTORY = "/etc/sysconfig/network-scripts";

    private RedHatIfcfgFile() {
    }

    static String path(GuestSettings s) {
        return DIRECTORY + "/ifcfg-" + s.interfaceName();
    }

    static String render(GuestSettings s) {
        StringBuilder text = new StringBuilder(FileHeader.of("#", s.userid()));
        text.append("DEVICE=").append(s.interfaceName()).append('\n')
                .append("NAME=").append(s.interfaceName()).append('\n')
                .append("TYPE=Ethernet\n")
                .append("BOOTPROTO=none\n")
                .append("ONBOOT=yes\n");
        if (s.hasIpv4()) {
            text.append("IPADDR=").append(s.ipaddr()).append('\n')
                    .append("PREFIX=").append(s.prefixLength()).append('\n');
            if (!s.gateway().isEmpty()) {
                text.append("GATEWAY=").append(s.gateway()).append('\n');
            }
        }
        if (s.hasIpv6()) {
            text.append("IPV6INIT=yes\n")
                    .append("IPV6_AUTOCONF=no\n")
                    .append("IPV6ADDR=").append(s.cidr6()).append('\n');
            if (!s.gateway6().isEmpty()) {
                // a link-local router is only reachable through a named device: GW%DEVICE
                text.append("IPV6_DEFAULTGW=").append(s.gateway6())
                        .append(s.gateway6().startsWith("fe") ? "%" + s.interfaceName() : "").append('\n');
            }
        }
        for (int i = 0; i < s.nameservers().size(); i++) {
            text.append("DNS").append(i + 1).append('=').append(s.nameservers().get(i)).append('\n');
        }
        if (!s.domain().isEmpty()) {
            text.append("DOMAIN=").append(s.domain()).append('\n');
        }
        return text.toString();
    }
}
