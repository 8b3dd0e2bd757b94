package org.clonefarm.agent.internal;

import org.clonefarm.agent.GuestSettings;

/**
 * Ubuntu (netplan): {@code /etc/netplan/50-clonefarm.yaml}, mode 0600 (netplan warns about files
 * others can read). The master's other netplan files are removed by the planner: netplan merges all
 * files, so the master's address would otherwise be kept next to the clone's.
 */
final class NetplanFile {
    static final String DIRECTORY = "/etc/netplan";
    static final String PATH = DIRECTORY + "/50-clonefarm.yaml";

    private NetplanFile() {
    }

    static String render(GuestSettings s) {
        StringBuilder text = new StringBuilder(FileHeader.of("#", s.userid()));
        text.append("network:\n")
                .append("  version: 2\n")
                .append("  ethernets:\n")
                .append("    ").append(s.interfaceName()).append(":\n")
                .append("      dhcp4: false\n")
                .append("      addresses:\n")
                .append("        - ").append(s.cidr()).append('\n');
        if (!s.gateway().isEmpty()) {
            text.append("      routes:\n")
                    .append("        - to: default\n")
                    .append("          via: ").append(s.gateway()).append('\n');
        }
        if (!s.nameservers().isEmpty() || !s.domain().isEmpty()) {
            text.append("      nameservers:\n");
            if (!s.nameservers().isEmpty()) {
                text.append("        addresses: [").append(String.join(", ", s.nameservers())).append("]\n");
            }
            if (!s.domain().isEmpty()) {
                text.append("        search: [").append(s.domain()).append("]\n");
            }
        }
        return text.toString();
    }
}
