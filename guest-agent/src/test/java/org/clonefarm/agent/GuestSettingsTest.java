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
}
