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
}
