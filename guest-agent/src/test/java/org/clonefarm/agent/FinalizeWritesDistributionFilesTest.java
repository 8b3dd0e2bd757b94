package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per distribution flavour, on a temporary copy of a master's root: the exact files finalize writes
 * for LINUX001 (its own entry over DEFAULTS), the identity resets, the marker gone and the reboot asked.
 */
@Timeout(60)
class FinalizeWritesDistributionFilesTest {
    private static final String HEADER = "# Written by the clonefarm agent for LINUX001\n";

    @TempDir
    Path root;

    /** SLES: wicked ifcfg, routes, netconfig's static DNS keys edited in place. */
    @Test
    void writesWickedIfcfgRoutesAndNetconfigOnSles() throws IOException {
        GuestTree.create(root, "NAME=\"SLES\"\nVERSION_ID=\"15.6\"\nID=\"sles\"\nID_LIKE=\"suse\"\n");
        GuestTree.write(root, "etc/sysconfig/network/config",
                "NETCONFIG_DNS_POLICY=\"auto\"\nNETCONFIG_DNS_STATIC_SERVERS=\"10.9.9.9\"\nNETCONFIG_DNS_STATIC_SEARCHLIST=\"\"\n");
        GuestTree.write(root, "etc/sysconfig/network/ifcfg-enc600", "BOOTPROTO='static'\nIPADDR='10.1.0.10/24'\n");

        GuestAgent.Result result = GuestTree.agent(root).finalizeClone();

        assertThat(result.status()).isEqualTo(GuestAgent.Status.FINALIZED);
        assertThat(GuestTree.read(root, "etc/sysconfig/network/ifcfg-enc600")).isEqualTo(HEADER
                + "BOOTPROTO='static'\nSTARTMODE='auto'\nIPADDR='10.1.0.11/24'\n");
        assertThat(GuestTree.read(root, "etc/sysconfig/network/routes")).isEqualTo(HEADER + "default 10.1.0.1 - -\n");
        assertThat(GuestTree.read(root, "etc/sysconfig/network/config")).isEqualTo("NETCONFIG_DNS_POLICY=\"auto\"\n"
                + "NETCONFIG_DNS_STATIC_SERVERS=\"10.1.0.2 10.1.0.3\"\nNETCONFIG_DNS_STATIC_SEARCHLIST=\"example.com\"\n");
        assertCommonFiles(true);
        assertThat(result.files()).containsExactly("/etc/sysconfig/network/ifcfg-enc600", "/etc/sysconfig/network/routes",
                "/etc/sysconfig/network/config", "/etc/hosts", "/etc/resolv.conf", "/etc/hostname", "/etc/machine-id",
                "/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_ed25519_key.pub");
    }

    /** RHEL 9: a NetworkManager keyfile, mode 0600; the master's keyfile for the interface is removed. */
    @Test
    void writesNetworkManagerKeyfileOnRhel9() throws IOException {
        GuestTree.create(root, "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.4\"\n");
        GuestTree.write(root, "etc/NetworkManager/system-connections/Wired connection 1.nmconnection",
                "[connection]\nid=Wired connection 1\ninterface-name=enc600\n[ipv4]\naddress1=10.1.0.10/24\n");
        GuestTree.write(root, "etc/NetworkManager/system-connections/other.nmconnection",
                "[connection]\nid=other\ninterface-name=enc700\n");

        GuestTree.agent(root).finalizeClone();

        Path keyfile = root.resolve("etc/NetworkManager/system-connections/enc600.nmconnection");
        assertThat(GuestTree.read(root, "etc/NetworkManager/system-connections/enc600.nmconnection")).isEqualTo(HEADER
                + "[connection]\nid=enc600\nuuid=" + java.util.UUID.nameUUIDFromBytes(
                        "clonefarm:LINUX001:enc600".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                + "\ntype=ethernet\ninterface-name=enc600\nautoconnect=true\n\n[ethernet]\n\n[ipv4]\nmethod=manual\n"
                + "address1=10.1.0.11/24,10.1.0.1\ndns=10.1.0.2;10.1.0.3;\ndns-search=example.com;\n\n[ipv6]\nmethod=ignore\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyfile))).isEqualTo("rw-------");
        assertThat(root.resolve("etc/NetworkManager/system-connections/Wired connection 1.nmconnection")).doesNotExist();
        assertThat(root.resolve("etc/NetworkManager/system-connections/other.nmconnection")).exists();
        assertCommonFiles(true);
    }

    /** RHEL 7 (and 8): network-scripts ifcfg. */
    @Test
    void writesNetworkScriptsIfcfgOnOldRhel() {
        GuestTree.create(root, "NAME=\"CentOS Linux\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\n");

        GuestTree.agent(root).finalizeClone();

        assertThat(GuestTree.read(root, "etc/sysconfig/network-scripts/ifcfg-enc600")).isEqualTo(HEADER
                + "DEVICE=enc600\nNAME=enc600\nTYPE=Ethernet\nBOOTPROTO=none\nONBOOT=yes\nIPADDR=10.1.0.11\nPREFIX=24\n"
                + "GATEWAY=10.1.0.1\nDNS1=10.1.0.2\nDNS2=10.1.0.3\nDOMAIN=example.com\n");
        assertCommonFiles(true);
    }

    /** Debian: the whole /etc/network/interfaces (ifupdown). */
    @Test
    void writesIfupdownInterfacesOnDebian() {
        GuestTree.create(root, "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n");

        GuestTree.agent(root).finalizeClone();

        assertThat(GuestTree.read(root, "etc/network/interfaces")).isEqualTo(HEADER
                + "source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n\n"
                + "auto enc600\niface enc600 inet static\n    address 10.1.0.11/24\n    gateway 10.1.0.1\n");
        assertCommonFiles(true);
    }

    /** Ubuntu: a netplan file, the master's netplan files removed, resolv.conf (a resolved link) left alone. */
    @Test
    void writesNetplanOnUbuntu() throws IOException {
        GuestTree.create(root, "NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"24.04\"\n");
        GuestTree.write(root, "etc/netplan/50-cloud-init.yaml", "network:\n  ethernets:\n    enc600:\n      addresses: [10.1.0.10/24]\n");
        Files.delete(root.resolve("etc/resolv.conf"));
        Files.createSymbolicLink(root.resolve("etc/resolv.conf"), Path.of("../run/systemd/resolve/stub-resolv.conf"));

        GuestTree.agent(root).finalizeClone();

        assertThat(GuestTree.read(root, "etc/netplan/50-clonefarm.yaml")).isEqualTo(HEADER
                + "network:\n  version: 2\n  ethernets:\n    enc600:\n      dhcp4: false\n      addresses:\n"
                + "        - 10.1.0.11/24\n      routes:\n        - to: default\n          via: 10.1.0.1\n"
                + "      nameservers:\n        addresses: [10.1.0.2, 10.1.0.3]\n        search: [example.com]\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("etc/netplan/50-clonefarm.yaml"))))
                .isEqualTo("rw-------");
        assertThat(root.resolve("etc/netplan/50-cloud-init.yaml")).doesNotExist();
        assertThat(Files.readSymbolicLink(root.resolve("etc/resolv.conf"))).isEqualTo(Path.of("../run/systemd/resolve/stub-resolv.conf"));
        assertCommonFiles(false);
    }

    /** Anything else: a systemd-networkd .network file. */
    @Test
    void writesNetworkdFileForUnknownDistribution() {
        GuestTree.create(root, "NAME=\"Arch Linux\"\nID=arch\n");

        GuestTree.agent(root).finalizeClone();

        assertThat(GuestTree.read(root, "etc/systemd/network/50-clonefarm-enc600.network")).isEqualTo(HEADER
                + "[Match]\nName=enc600\n\n[Network]\nAddress=10.1.0.11/24\nGateway=10.1.0.1\nDNS=10.1.0.2\nDNS=10.1.0.3\n"
                + "Domains=example.com\n");
        assertCommonFiles(true);
    }

    private void assertCommonFiles(boolean resolvConfWritten) {
        assertThat(GuestTree.read(root, "etc/hostname")).isEqualTo("linux001\n");
        assertThat(GuestTree.read(root, "etc/hosts")).isEqualTo("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n"
                + "10.1.0.5\tbackup.example.com backup\n" + HEADER + "10.1.0.11\tlinux001.example.com linux001\n");
        if (resolvConfWritten) {
            assertThat(GuestTree.read(root, "etc/resolv.conf")).isEqualTo(HEADER
                    + "search example.com\nnameserver 10.1.0.2\nnameserver 10.1.0.3\n");
        }
        assertThat(GuestTree.read(root, "etc/machine-id")).isEmpty();
        assertThat(root.resolve("etc/ssh/ssh_host_ed25519_key")).doesNotExist();
        assertThat(root.resolve("etc/ssh/ssh_host_ed25519_key.pub")).doesNotExist();
        assertThat(GuestTree.read(root, "etc/ssh/sshd_config")).isEqualTo("PermitRootLogin no\n");
        assertThat(root.resolve("etc/rc.finalize")).doesNotExist();
        assertThat(root.resolve("rebooted")).exists();
        GuestTree.assertNoLeftovers(root);
    }
}
