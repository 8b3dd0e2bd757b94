package org.clonefarm.agent.internal;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.clonefarm.agent.GuestSettings;

/**
 * RHEL 9 and later, Fedora 33 and later: a NetworkManager keyfile,
 * {@code /etc/NetworkManager/system-connections/<if>.nmconnection}, mode 0600 (NetworkManager
 * ignores a keyfile others can read). The connection UUID is derived from userid and interface, so
 * writing it again yields the same file.
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
                .append("[ethernet]\n\n")
                .append("[ipv4]\n")
                .append("method=manual\n")
                .append("address1=").append(s.cidr());
        if (!s.gateway().isEmpty()) {
            text.append(',').append(s.gateway());
        }
        text.append('\n');
        if (!s.nameservers().isEmpty()) {
            text.append("dns=").append(String.join(";", s.nameservers())).append(";\n");
        }
        if (!s.domain().isEmpty()) {
            text.append("dns-search=").append(s.domain()).append(";\n");
        }
        text.append("\n[ipv6]\nmethod=ignore\n");
        return text.toString();
    }
}
