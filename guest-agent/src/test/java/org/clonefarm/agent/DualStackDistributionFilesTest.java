package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * IPv6 in every distribution's files: a dual-stack entry (IPv4 and IPv6 address, a gateway of each
 * family, a name server of each) and an IPv6-only one, written as each format defines them.
 */
@Timeout(60)
class DualStackDistributionFilesTest {
    private static final String HEADER = "# Written by the clonefarm agent for LINUX001\n";

    @TempDir
    Path root;

    private static Map<String, Map<String, String>> entries(boolean withIpv4) {
        Map<String, String> own = new LinkedHashMap<>(Map.of("hostname", "linux001", "domain", "example.com",
                "ipaddr6", "FD00:1:0:0::11", "prefix6", "64", "gateway6", "fd00:1::1", "interface", "0600"));
        if (withIpv4) {
            own.putAll(Map.of("ipaddr", "10.1.0.11", "netmask", "24", "gateway", "10.1.0.1",
                    "nameservers", "10.1.0.2 fd00:1::53"));
        } else {
            own.put("nameservers", "fd00:1::53");
        }
        return Map.of("LINUX001", own);
    }

    private String finalizeOn(String osRelease, boolean withIpv4, String file) throws IOException {
        GuestTree.create(root, osRelease);
        GuestAgent.builder(GuestTree.config(root, Map.of())).root(root).identity(Identity.fixed("LINUX001"))
                .configSource(CloneConfigSource.of("test", entries(withIpv4))).build().finalizeClone();
        return GuestTree.read(root, file);
    }

    /** Debian: an inet static and an inet6 static stanza under one auto line (interfaces(5)). */
    @Test
    void ifupdownHasAStanzaPerFamily() throws IOException {
        assertThat(finalizeOn("ID=debian\nVERSION_ID=\"12\"\n", true, "etc/network/interfaces")).isEqualTo(HEADER
                + "source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n\n"
                + "auto enc600\niface enc600 inet static\n    address 10.1.0.11/24\n    gateway 10.1.0.1\n\n"
                + "iface enc600 inet6 static\n    address fd00:1::11/64\n    gateway fd00:1::1\n");
        assertThat(GuestTree.read(root, "etc/hosts")).endsWith("10.1.0.11\tlinux001.example.com linux001\n"
                + "fd00:1::11\tlinux001.example.com linux001\n");
        assertThat(GuestTree.read(root, "etc/resolv.conf")).contains("nameserver 10.1.0.2\nnameserver fd00:1::53\n");
    }

    /** IPv6 only on Debian: no inet stanza at all. */
    @Test
    void ifupdownIpv6OnlyHasNoInetStanza() throws IOException {
        assertThat(finalizeOn("ID=debian\nVERSION_ID=\"12\"\n", false, "etc/network/interfaces")).endsWith(
                "auto enc600\niface enc600 inet6 static\n    address fd00:1::11/64\n    gateway fd00:1::1\n");
    }

    /** systemd-networkd: one Address= and one Gateway= per family. */
    @Test
    void networkdHasAddressAndGatewayPerFamily() throws IOException {
        assertThat(finalizeOn("ID=arch\n", true, "etc/systemd/network/50-clonefarm-enc600.network")).isEqualTo(HEADER
                + "[Match]\nName=enc600\n\n[Network]\nAddress=10.1.0.11/24\nAddress=fd00:1::11/64\n"
                + "Gateway=10.1.0.1\nGateway=fd00:1::1\nDNS=10.1.0.2\nDNS=fd00:1::53\nDomains=example.com\n");
    }

    /** NetworkManager keyfile: [ipv6] method=manual with address1=ADDRESS/PREFIX,GATEWAY and its own dns=. */
    @Test
    void networkManagerHasAManualIpv6Section() throws IOException {
        String keyfile = finalizeOn("ID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.4\"\n", true,
                "etc/NetworkManager/system-connections/enc600.nmconnection");
        assertThat(keyfile).contains("[ipv4]\nmethod=manual\naddress1=10.1.0.11/24,10.1.0.1\ndns=10.1.0.2;\n"
                + "dns-search=example.com;\n\n[ipv6]\nmethod=manual\naddress1=fd00:1::11/64,fd00:1::1\ndns=fd00:1::53;\n");
    }

    /** NetworkManager keyfile, IPv6 only: IPv4 disabled, the search domain in [ipv6]. */
    @Test
    void networkManagerIpv6OnlyDisablesIpv4() throws IOException {
        String keyfile = finalizeOn("ID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.4\"\n", false,
                "etc/NetworkManager/system-connections/enc600.nmconnection");
        assertThat(keyfile).endsWith("[ipv4]\nmethod=disabled\n\n[ipv6]\nmethod=manual\naddress1=fd00:1::11/64,fd00:1::1\n"
                + "dns=fd00:1::53;\ndns-search=example.com;\n");
    }

    /** netplan: both addresses in one list, a default route per family, IPv6 literals quoted. */
    @Test
    void netplanListsBothAddressesAndRoutes() throws IOException {
        assertThat(finalizeOn("ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"24.04\"\n", true, "etc/netplan/50-clonefarm.yaml"))
                .isEqualTo(HEADER + "network:\n  version: 2\n  ethernets:\n    enc600:\n      dhcp4: false\n"
                        + "      addresses:\n        - 10.1.0.11/24\n        - \"fd00:1::11/64\"\n"
                        + "      routes:\n        - to: default\n          via: 10.1.0.1\n"
                        + "        - to: default\n          via: \"fd00:1::1\"\n"
                        + "      nameservers:\n        addresses: [10.1.0.2, \"fd00:1::53\"]\n        search: [example.com]\n");
    }

    /** RHEL 8 ifcfg: IPV6INIT, IPV6_AUTOCONF=no, IPV6ADDR and IPV6_DEFAULTGW beside the IPv4 keys. */
    @Test
    void redHatIfcfgHasTheIpv6Keys() throws IOException {
        assertThat(finalizeOn("ID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"8.9\"\n", true,
                "etc/sysconfig/network-scripts/ifcfg-enc600")).isEqualTo(HEADER
                + "DEVICE=enc600\nNAME=enc600\nTYPE=Ethernet\nBOOTPROTO=none\nONBOOT=yes\n"
                + "IPADDR=10.1.0.11\nPREFIX=24\nGATEWAY=10.1.0.1\n"
                + "IPV6INIT=yes\nIPV6_AUTOCONF=no\nIPV6ADDR=fd00:1::11/64\nIPV6_DEFAULTGW=fd00:1::1\n"
                + "DNS1=10.1.0.2\nDNS2=fd00:1::53\nDOMAIN=example.com\n");
    }

    /** wicked: the IPv6 address as IPADDR_6, a default route line per family. */
    @Test
    void wickedHasASuffixedAddressAndARoutePerFamily() throws IOException {
        assertThat(finalizeOn("ID=\"sles\"\nID_LIKE=\"suse\"\nVERSION_ID=\"15.6\"\n", true,
                "etc/sysconfig/network/ifcfg-enc600")).isEqualTo(HEADER
                + "BOOTPROTO='static'\nSTARTMODE='auto'\nIPADDR='10.1.0.11/24'\nIPADDR_6='fd00:1::11/64'\n");
        assertThat(GuestTree.read(root, "etc/sysconfig/network/routes")).isEqualTo(HEADER
                + "default 10.1.0.1 - -\ndefault fd00:1::1 - -\n");
    }
}
