package org.clonefarm.agent.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.clonefarm.agent.GuestSettings;

/**
 * {@code /etc/hosts}: the master's file with the master's own lines taken out and the clone's lines
 * added (one per address, IPv4 first). A line is the master's own when its address is {@code 127.0.1.1} (Debian's host line) or
 * when it names the previous host name (from /etc/hostname); every other line (localhost, other
 * hosts the master knew) stays. Running it again on its own output yields the same file.
 */
final class HostsFile {
    static final String PATH = "/etc/hosts";

    private HostsFile() {
    }

    static String edit(String existing, String previousHostname, GuestSettings s) {
        List<String> kept = new ArrayList<>();
        String header = FileHeader.of("#", s.userid()).trim();
        for (String line : existing.split("\n")) {
            String content = line.contains("#") ? line.substring(0, line.indexOf('#')) : line;
            String[] fields = content.trim().split("\\s+");
            if (line.trim().equals(header)) {
                continue;
            }
            if (fields.length >= 2 && (fields[0].equals("127.0.1.1") || fields[0].equals(s.ipaddr())
                    || fields[0].equalsIgnoreCase(s.ipaddr6())
                    || names(fields, previousHostname) || names(fields, s.hostname()))) {
                continue;
            }
            kept.add(line);
        }
        while (!kept.isEmpty() && kept.get(kept.size() - 1).isBlank()) {
            kept.remove(kept.size() - 1);
        }
        StringBuilder text = new StringBuilder();
        for (String line : kept) {
            text.append(line).append('\n');
        }
        text.append(header).append('\n');
        for (String address : new String[] {s.ipaddr(), s.ipaddr6()}) {
            if (!address.isEmpty()) {
                text.append(address).append('\t').append(s.fqdn());
                if (!s.domain().isEmpty()) {
                    text.append(' ').append(s.hostname());
                }
                text.append('\n');
            }
        }
        return text.toString();
    }

    private static boolean names(String[] fields, String hostname) {
        if (hostname == null || hostname.isBlank() || hostname.toLowerCase().startsWith("localhost")) {
            return false;
        }
        String shortName = hostname.split("\\.")[0];
        return Arrays.stream(fields).skip(1).anyMatch(n -> n.equalsIgnoreCase(hostname)
                || n.equalsIgnoreCase(shortName) || n.toLowerCase().startsWith(shortName.toLowerCase() + "."));
    }
}
