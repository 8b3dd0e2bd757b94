package org.clonefarm.agent.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.clonefarm.agent.GuestSettings;

/**
 * RHEL 9 and later, Fedora 33 and later: a NetworkManager keyfile,
 * {@code /etc/NetworkManager/system-connections/<if>.nmconnection}, mode 0600 (NetworkManager
 * ignores a keyfile others can read). The connection UUID is derived from userid and interface, so
 * writing it again yields the same file. Each family has its section (nm-settings-keyfile(5)):
 * {@code [ipv4]} and {@code [ipv6]} with {@code method=manual} and {@code address1=ADDRESS/PREFIX[,GATEWAY]}
 * and the family's name servers in {@code dns=}; a family the clone has no address of is
 * {@code method=disabled} (IPv4) or {@code method=ignore} (IPv6, as before).
 */
final class NetworkManagerKeyfile {
    static final String DIRECTORY = "/etc/NetworkManager/system-connections";

    private NetworkManagerKeyfile() {
    }

    static String path(GuestSettings s) {
        return DIRECTORY + "/" + s.interfaceName() + ".nmconnection";
    }

    static String render(GuestSettings s) {
        UUID uuid = UUID.nameUUIDFromBytes(("clonefarm:" + s.userid() + ":" + s.interfaceName())
                .getBytes(StandardCharsets.UTF_8));
        StringBuilder text = new StringBuilder(FileHeader.of("#", s.userid()));
        text.append("[connection]\n")
                .append("id=").append(s.interfaceName()).append('\n')
                .append("uuid=").append(uuid).append('\n')
                .append("type=ethernet\n")
                .append("interface-name=").append(s.interfaceName()).append('\n')
                .append("autoconnect=true\n\n")
                .append("[ethernet]\n\n");
        List<String> dns4 = s.nameservers().stream().filter(a -> !a.contains(":")).toList();
        List<String> dns6 = s.nameservers().stream().filter(a -> a.contains(":")).toList();
        text.append("[ipv4]\n");
        if (s.hasIpv4()) {
            text.append("method=manual\n").append("address1=").append(s.cidr());
            if (!s.gateway().isEmpty()) {
                text.append(',').append(s.gateway());
            }
            text.append('\n');
            dnsKeys(text, dns4, s.domain());
        } else {
            text.append("method=disabled\n");
        }
        text.append("\n[ipv6]\n");
        if (s.hasIpv6()) {
            text.append("method=manual\n").append("address1=").append(s.cidr6());
            if (!s.gateway6().isEmpty()) {
                text.append(',').append(s.gateway6());
            }
            text.append('\n');
            dnsKeys(text, dns6, s.hasIpv4() ? "" : s.domain());
        } else {
            text.append("method=ignore\n");
        }
        return text.toString();
    }

    /** {@code dns=} (the family's servers) and {@code dns-search=}, each when there is something to say. */
    private static void dnsKeys(StringBuilder text, List<String> servers, String domain) {
        if (!servers.isEmpty()) {
            text.append("dns=").append(String.join(";", servers)).append(";\n");
        }
        if (!domain.isEmpty()) {
            text.append("dns-search=").append(domain).append(";\n");
        }
    }
}
