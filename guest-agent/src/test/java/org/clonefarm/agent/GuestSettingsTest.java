package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A NAMES entry merged over DEFAULTS, validated and normalized. */
class GuestSettingsTest {

    private static GuestSettings of(Map<String, String> own) {
        return GuestSettings.from("LINUX001", own, Optional.empty(), "eth0");
    }

    /** The clone's own tags win over DEFAULTS; DEFAULTS fills the rest. */
    @Test
    void ownEntryWinsOverDefaults() {
        GuestSettings s = GuestSettings.from("LINUX001", Map.of("IPADDR", "10.0.0.5", "gateway", "10.0.0.254"),
                Optional.of(Map.of("netmask", "255.255.255.0", "gateway", "10.0.0.1", "domain", "example.com")), "eth0");

        assertThat(s.gateway()).isEqualTo("10.0.0.254");
        assertThat(s.domain()).isEqualTo("example.com");
        assertThat(s.hostname()).isEqualTo("linux001");
        assertThat(s.cidr()).isEqualTo("10.0.0.5/24");
    }

    /** Netmasks come dotted or as prefix lengths; a dotted host name carries its domain. */
    @Test
    void acceptsNetmaskFormsAndDottedHostname() {
        assertThat(of(Map.of("ipaddr", "10.0.0.5", "netmask", "/20")).netmask()).isEqualTo("255.255.240.0");
        assertThat(of(Map.of("ipaddr", "10.0.0.5", "netmask", "16")).prefixLength()).isEqualTo(16);
        GuestSettings s = of(Map.of("ipaddr", "10.0.0.5", "netmask", "255.255.255.128", "hostname", "Web1.Lab.Example"));
        assertThat(s.prefixLength()).isEqualTo(25);
        assertThat(s.fqdn()).isEqualTo("web1.lab.example");
    }

    /** A z/VM device number names the predictable interface name. */
    @Test
    void deviceNumberBecomesEncName() {
        assertThat(of(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "interface", "0.0.0600")).interfaceName())
                .isEqualTo("enc600");
        assertThat(of(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "interface", "f5f0")).interfaceName())
                .isEqualTo("encf5f0");
    }

    /** Malformed values are refused with the userid, the tag and the value. */
    @Test
    void refusesMalformedValuesNamingThem() {
        assertThatThrownBy(() -> of(Map.of("ipaddr", "10.0.0", "netmask", "24")))
                .hasMessageContaining("LINUX001").hasMessageContaining(":ipaddr. '10.0.0'");
        assertThatThrownBy(() -> of(Map.of("ipaddr", "10.0.0.5", "netmask", "255.0.255.0")))
                .hasMessageContaining("not a contiguous netmask");
        assertThatThrownBy(() -> of(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "gateway", "10.0.1.1")))
                .hasMessageContaining("not another address in the clone's subnet 10.0.0.0/24");
        assertThatThrownBy(() -> of(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "nameservers", "10.0.0.2 dns1")))
                .hasMessageContaining(":nameservers. 'dns1'");
        assertThatThrownBy(() -> of(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "hostname", "web_1")))
                .hasMessageContaining(":hostname. 'web_1'");
        assertThatThrownBy(() -> of(Map.of("netmask", "24"))).hasMessageContaining("has no :ipaddr. tag");
    }

    private static String refusal(Map<String, String> entry) {
        AgentException e = org.assertj.core.api.Assertions.catchThrowableOfType(AgentException.class, () -> of(entry));
        assertThat(e).as("refused: " + entry).isNotNull();
        assertThat(e.step()).isEqualTo(AgentStep.READ_CONFIG);
        return e.getMessage();
    }

    /** A :batch. that is no batch name (an EBCDIC newline in it, a colon, too long) is refused, the newline shown escaped. */
    @Test
    void refusesABatchThatIsNotABatchNameShowingControlCharactersEscaped() {
        assertThat(refusal(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "batch", "b-42\nboots=999")))
                .isEqualTo("the NAMES entry of LINUX001 has :batch. 'b-42\\nboots=999', which holds a control character")
                .doesNotContain("\n");
        assertThat(refusal(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "batch", "b:42")))
                .contains(":batch. 'b:42', which is not a batch name (1-40 of letters");
        assertThat(refusal(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "batch", "b".repeat(41))))
                .contains("is not a batch name");
    }

    /** Each tag is checked for its kind: device numbers, interface names, host addresses, counts, any control character. */
    @Test
    void refusesValuesThatAreNotWhatTheirTagSays() {
        assertThat(refusal(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "disks", "0200 02G1")))
                .contains(":disks. '0200 02G1', which is not a list of device numbers");
        assertThat(refusal(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "interface", "..")))
                .contains(":interface. '..'");
        assertThat(refusal(Map.of("ipaddr", "10.0.0.0", "netmask", "24")))
                .contains(":ipaddr. '10.0.0.0', which is the network address of the subnet 10.0.0.0/24");
        assertThat(refusal(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "gateway", "10.0.0.255")))
                .contains(":gateway. '10.0.0.255', which is the broadcast address");
        assertThat(refusal(Map.of("ipaddr", "127.0.0.5", "netmask", "8"))).contains("is not a host address");
        assertThat(refusal(Map.of("ipaddr", "10.0.0.5", "prefix", "33"))).contains(":prefix. '33'");
        assertThat(refusal(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "attempt", "-1")))
                .contains(":attempt. '-1', which is not a whole number");
        assertThat(refusal(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "owner", "ops\u0085team")))
                .contains(":owner. 'ops\\u0085team', which holds a control character");
        assertThat(refusal(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "hostname", "web1." + "a".repeat(63) + "."
                + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(60)))).contains("longer than 253");
    }

    /** An entry as the coordinator writes it for a spec's /24 (:prefix., no :netmask.) is read. */
    @Test
    void readsThePrefixTagTheCoordinatorWrites() {
        GuestSettings s = of(Map.of("ipaddr", "10.0.0.5", "prefix", "24", "gateway", "10.0.0.1", "batch", "b-42"));

        assertThat(s.netmask()).isEqualTo("255.255.255.0");
        assertThat(s.batchId()).isEqualTo("b-42");
    }

    /** A wrong value that came from DEFAULTS is blamed on DEFAULTS, not on the clone's own entry. */
    @Test
    void aWrongValueFromDefaultsNamesTheDefaultsEntry() {
        AgentException e = org.assertj.core.api.Assertions.catchThrowableOfType(AgentException.class,
                () -> GuestSettings.from("LINUX001", Map.of("ipaddr", "10.0.0.5"),
                        Optional.of(Map.of("netmask", "24", "batch", "nightly run")), "eth0"));

        assertThat(e.getMessage()).startsWith("the DEFAULTS entry (merged under LINUX001) has :batch. 'nightly run'");
    }

    /** IPv6 alone is enough: the address in RFC 5952 form, its prefix, a gateway in the prefix or link-local. */
    @Test
    void ipv6AddressPrefixAndGatewayAreNormalized() {
        GuestSettings s = of(Map.of("ipaddr6", "2001:DB8:0:0:0::21", "prefix6", "/64", "gateway6", "2001:db8::1",
                "nameservers", "2001:db8::53 10.0.0.2"));

        assertThat(s.hasIpv4()).isFalse();
        assertThat(s.cidr6()).isEqualTo("2001:db8::21/64");
        assertThat(s.gateway6()).isEqualTo("2001:db8::1");
        assertThat(s.nameservers()).containsExactly("2001:db8::53", "10.0.0.2");
        assertThat(s.addresses()).containsExactly("2001:db8::21/64");
        assertThat(of(Map.of("ipaddr6", "fd00::21", "prefix6", "64", "gateway6", "FE80::1")).gateway6()).isEqualTo("fe80::1");
        assertThat(of(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "ipaddr6", "fd00::5", "prefix6", "128"))
                .addresses()).containsExactly("10.0.0.5/24", "fd00::5/128");
    }

    /** IPv6 values that are no host address of the clone's own, or no prefix of 1-128, are refused naming them. */
    @Test
    void refusesIpv6ValuesThatAreNotTheClonesOwn() {
        assertThat(refusal(Map.of("ipaddr6", "fd00::zz", "prefix6", "64"))).contains(":ipaddr6. 'fd00::zz'")
                .contains("not an IPv6 address");
        assertThat(refusal(Map.of("ipaddr6", "fe80::5", "prefix6", "64"))).contains("link-local");
        assertThat(refusal(Map.of("ipaddr6", "ff02::1", "prefix6", "64"))).contains("multicast");
        assertThat(refusal(Map.of("ipaddr6", "::ffff:10.0.0.5", "prefix6", "64"))).contains("IPv4-mapped");
        assertThat(refusal(Map.of("ipaddr6", "::1", "prefix6", "64"))).contains("loopback");
        assertThat(refusal(Map.of("ipaddr6", "fd00::5", "prefix6", "129"))).contains(":prefix6. '129'")
                .contains("1 to 128");
        assertThat(refusal(Map.of("ipaddr6", "fd00::5", "prefix6", "0"))).contains("1 to 128");
        assertThat(refusal(Map.of("ipaddr6", "fd00::5"))).contains("has no :prefix6. tag");
        assertThat(refusal(Map.of("ipaddr6", "fd00:1::5", "prefix6", "64", "gateway6", "fd00:2::1")))
                .contains("neither another address in the clone's prefix fd00:1::/64 nor a link-local address");
        assertThat(refusal(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "prefix6", "64"))).contains(":prefix6. '64'")
                .contains("without :ipaddr6.");
        assertThat(refusal(Map.of("ipaddr6", "fd00::5", "prefix6", "64", "gateway", "10.0.0.1"))).contains(":gateway6.");
        assertThat(refusal(Map.of("ipaddr6", "fd00::5", "prefix6", "64", "nameservers", "fd00::zz")))
                .contains(":nameservers. 'fd00::zz'");
        assertThat(refusal(Map.of("netmask", "24"))).contains("has no :ipaddr. tag and no :ipaddr6. tag");
    }

    /** :macaddr. is a unicast MAC, kept in lower case with colons; :interface. says whether the name was given. */
    @Test
    void macAddressIsAUnicastMacAndInterfaceTagIsRemembered() {
        GuestSettings byMac = of(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "macaddr", "02-00-00-0A-1B-2C"));
        assertThat(byMac.macAddress()).isEqualTo("02:00:00:0a:1b:2c");
        assertThat(byMac.interfaceGiven()).isFalse();
        assertThat(byMac.interfaceName()).isEqualTo("eth0");
        assertThat(byMac.withInterfaceName("ens7").interfaceName()).isEqualTo("ens7");
        GuestSettings named = of(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "macaddr", "02:00:00:0a:1b:2c",
                "interface", "0600"));
        assertThat(named.interfaceGiven()).isTrue();
        assertThat(named.interfaceName()).isEqualTo("enc600");

        assertThat(refusal(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "macaddr", "02:00:00:0a:1b")))
                .contains(":macaddr. '02:00:00:0a:1b'").contains("not a MAC address");
        assertThat(refusal(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "macaddr", "01:00:5e:00:00:01")))
                .contains("multicast");
        assertThat(refusal(Map.of("ipaddr", "10.0.0.5", "netmask", "24", "macaddr", "00:00:00:00:00:00")))
                .contains("all-zero");
    }
}
