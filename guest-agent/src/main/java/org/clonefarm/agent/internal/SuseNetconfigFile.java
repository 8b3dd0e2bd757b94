package org.clonefarm.agent.internal;

import java.util.ArrayList;
import java.util.List;
import org.clonefarm.agent.GuestSettings;

/**
 * SLES and openSUSE: {@code /etc/sysconfig/network/config}, where netconfig takes the static DNS
 * servers and search list from when it rewrites /etc/resolv.conf. Only the two keys change; every
 * other line of the master's file stays as it is (a missing key is appended).
 */
final class SuseNetconfigFile {
    static final String PATH = "/etc/sysconfig/network/config";
    private static final String SERVERS = "NETCONFIG_DNS_STATIC_SERVERS";
    private static final String SEARCH = "NETCONFIG_DNS_STATIC_SEARCHLIST";

    private SuseNetconfigFile() {
    }

    static String edit(String existing, GuestSettings s) {
        List<String> out = new ArrayList<>();
        boolean servers = false;
        boolean search = false;
        for (String line : existing.split("\n", -1)) {
            String trimmed = line.trim();
            if (trimmed.startsWith(SERVERS + "=")) {
                out.add(SERVERS + "=\"" + String.join(" ", s.nameservers()) + "\"");
                servers = true;
            } else if (trimmed.startsWith(SEARCH + "=")) {
                out.add(SEARCH + "=\"" + s.domain() + "\"");
                search = true;
            } else {
                out.add(line);
            }
        }
        if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        if (!servers) {
            out.add(SERVERS + "=\"" + String.join(" ", s.nameservers()) + "\"");
        }
        if (!search) {
            out.add(SEARCH + "=\"" + s.domain() + "\"");
        }
        return String.join("\n", out) + "\n";
    }
}
