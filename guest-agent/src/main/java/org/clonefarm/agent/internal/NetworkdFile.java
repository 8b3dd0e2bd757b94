package org.clonefarm.agent.internal;

import org.clonefarm.agent.GuestSettings;

/**
 * The fallback (systemd-networkd): {@code /etc/systemd/network/50-clonefarm-<if>.network}, one
 * {@code Address=} per address and one {@code Gateway=} per family (systemd.network(5) takes both
 * keys more than once, IPv4 and IPv6 alike).
 */
final class NetworkdFile {
    static final String DIRECTORY = "/etc/systemd/network";

    private NetworkdFile() {
    }

    static String path(GuestSettings s) {
        return DIRECTORY + "/50-clonefarm-" + s.interfaceName() + ".network";
    }

    static String render(GuestSettings s) {
        StringBuilder text = new StringBuilder(FileHeader.of("#", s.userid()));
        text.append("[Match]\n")
                .append("Name=").append(s.interfaceName()).append("\n\n")
                .append("[Network]\n");
        for (String address : s.addresses()) {
            text.append("Address=").append(address).append('\n');
        }
        if (!s.gateway().isEmpty()) {
            text.append("Gateway=").append(s.gateway()).append('\n');
        }
        if (!s.gateway6().isEmpty()) {
            text.append("Gateway=").append(s.gateway6()).append('\n');
        }
        for (String server : s.nameservers()) {
            text.append("DNS=").append(server).append('\n');
        }
        if (!s.domain().isEmpty()) {
            text.append("Domains=").append(s.domain()).append('\n');
        }
        return text.toString();
    }
}
