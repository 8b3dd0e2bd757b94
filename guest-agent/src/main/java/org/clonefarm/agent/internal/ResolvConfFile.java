package org.clonefarm.agent.internal;

import org.clonefarm.agent.GuestSettings;

/** {@code /etc/resolv.conf}: the search domain and name servers of the entry. */
final class ResolvConfFile {
    static final String PATH = "/etc/resolv.conf";

    private ResolvConfFile() {
    }

    static String render(GuestSettings s) {
        StringBuilder text = new StringBuilder(FileHeader.of("#", s.userid()));
        if (!s.domain().isEmpty()) {
            text.append("search ").append(s.domain()).append('\n');
        }
        for (String server : s.nameservers()) {
            text.append("nameserver ").append(server).append('\n');
        }
        return text.toString();
    }
}
