package org.clonefarm.agent.internal;

import org.clonefarm.agent.GuestSettings;

/**
 * Ubuntu (netplan): {@code /etc/netplan/50-clonefarm.yaml}, mode 0600 (netplan warns about files
 * others can read). The master's other netplan files are removed by the planner: netplan merges all
 * files, so the master's address would otherwise be kept next to the clone's. IPv4 and IPv6 addresses
 * share the {@code addresses} list, and each family's gateway is a {@code to: default} route
 * (netplan(5)); IPv6 addresses are quoted (a literal's colons could end a plain YAML scalar).
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
                .append("      addresses:\n");
        for (String address : s.addresses()) {
            text.append("        - ").append(yaml(address)).append('\n');
        }
        if (!s.gateway().isEmpty() || !s.gateway6().isEmpty()) {
            text.append("      routes:\n");
            for (String gateway : new String[] {s.gateway(), s.gateway6()}) {
                if (!gateway.isEmpty()) {
                    text.append("        - to: default\n")
                            .append("          via: ").append(yaml(gateway)).append('\n');
                }
            }
        }
        if (!s.nameservers().isEmpty() || !s.domain().isEmpty()) {
            text.append("      nameservers:\n");
            if (!s.nameservers().isEmpty()) {
                text.append("        addresses: [").append(String.join(", ", s.nameservers().stream().map(NetplanFile::yaml)
                        .toList())).append("]\n");
            }
            if (!s.domain().isEmpty()) {
                text.append("        search: [").append(s.domain()).append("]\n");
            }
        }
        return text.toString();
    }

    /** An address as a YAML scalar: quoted when it holds a colon (IPv6), plain otherwise. */
    private static String yaml(String address) {
        return address.contains(":") ? "\"" + address + "\"" : address;
    }
}
