package org.clonefarm.agent.internal;

import org.clonefarm.agent.GuestSettings;

/** RHEL family before 9: {@code /etc/sysconfig/network-scripts/ifcfg-<if>} (initscripts / NetworkManager ifcfg-rh). */
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
                .append("ONBOOT=yes\n")
                .append("IPADDR=").append(s.ipaddr()).append('\n')
                .append("PREFIX=").append(s.prefixLength()).append('\n');
        if (!s.gateway().isEmpty()) {
            text.append("GATEWAY=").append(s.gateway()).append('\n');
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
