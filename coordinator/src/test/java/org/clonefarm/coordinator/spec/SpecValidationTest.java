package org.clonefarm.coordinator.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad spec is reported with its place in the spec, its line and the offending value,
 * and all problems of a spec are reported at once.
 */
class SpecValidationTest {
    static final String GOOD = """
            batch: web-2026-11
            master: LNXMSTR
            profile: rw-root
            prototype: LNXPROTO
            volumes: LNXPOOL
            disks: {"0191": link, "0200": copy, "0201": vdisk 524288, "0202": copy, "0203": link}
            network: {netmask: 255.255.0.0, gateway: 10.1.1.1, nameservers: [10.1.1.53], domain: example.com}
            clones:
              - range: LINUX001-LINUX300
                ip: 10.1.1.21
              - {userid: LINUX301, hostname: web301.example.com, ip: 10.1.1.2}
            """;

    private static SpecValidator.Validation validate(String yaml) {
        return new SpecValidator(SystemView.NONE).validate(yaml);
    }

    @Test
    void goodSpecExpandsRangesWithIncrementingAddressesAndDefaultHostnames() {
        SpecValidator.Validation result = validate(GOOD);
        assertThat(result.problems()).isEmpty();
        assertThat(result.clones()).hasSize(301);
        PlannedClone first = result.clones().get(0);
        assertThat(first.userid()).isEqualTo("LINUX001");
        assertThat(first.hostname()).isEqualTo("linux001.example.com");
        assertThat(first.ip()).isEqualTo("10.1.1.21");
        assertThat(result.clones().get(299).ip()).isEqualTo("10.1.2.64");
        assertThat(result.clones().get(300).hostname()).isEqualTo("web301.example.com");
    }

    static Stream<Arguments> badSpecs() {
        return Stream.of(
                bad("userid in range too long", "LINUX001-LINUX300", "LINUXABC001-LINUXABC300", "clones[0].range", 9,
                        "LINUXABC001-LINUXABC300", "not a userid"),
                bad("range with two prefixes", "LINUX001-LINUX300", "LINUX001-LNX300", "clones[0].range", 9,
                        "LINUX001-LNX300", "two prefixes"),
                bad("range counting down", "LINUX001-LINUX300", "LINUX300-LINUX001", "clones[0].range", 9,
                        "LINUX300-LINUX001", "counts down"),
                bad("range that is no range", "LINUX001-LINUX300", "LINUX001", "clones[0].range", 9, "LINUX001",
                        "not a range"),
                bad("explicit userid with a bad character", "userid: LINUX301", "userid: LIN-301", "clones[1].userid", 11,
                        "LIN-301", "not a userid"),
                bad("explicit userid too long", "userid: LINUX301", "userid: LINUX3010", "clones[1].userid", 11,
                        "LINUX3010", "not a userid"),
                bad("duplicate userid", "userid: LINUX301", "userid: LINUX005", "clones[1].userid", 11, "LINUX005",
                        "given twice"),
                bad("duplicate hostname", "hostname: web301.example.com", "hostname: linux007.example.com",
                        "clones[1].hostname", 11, "linux007.example.com", "given twice as a host name"),
                bad("duplicate ip", "ip: 10.1.1.2}", "ip: 10.1.1.30}", "clones[1].ip", 11, "10.1.1.30", "given twice"),
                bad("clone that is the master", "userid: LINUX301", "userid: LNXMSTR", "clones[1].userid", 11, "LNXMSTR",
                        "is the master"),
                bad("malformed ip", "ip: 10.1.1.2}", "ip: 10.1.1.999}", "clones[1].ip", 11, "10.1.1.999",
                        "not an IP address"),
                bad("ip outside the subnet", "ip: 10.1.1.2}", "ip: 10.9.1.2}", "clones[1].ip", 11, "10.9.1.2",
                        "outside the subnet 10.1.0.0/16"),
                bad("ip equal to the gateway", "ip: 10.1.1.2}", "ip: 10.1.1.1}", "clones[1].ip", 11, "10.1.1.1",
                        "gateway's address"),
                bad("ip equal to the network address", "ip: 10.1.1.2}", "ip: 10.1.0.0}", "clones[1].ip", 11, "10.1.0.0",
                        "network address"),
                bad("ip equal to the broadcast address", "ip: 10.1.1.2}", "ip: 10.1.255.255}", "clones[1].ip", 11,
                        "10.1.255.255", "broadcast address"),
                bad("range running past the broadcast address", "ip: 10.1.1.21", "ip: 10.1.255.200", "clones[0].ip", 10,
                        "10.1.255.255 (LINUX056)", "broadcast address"),
                bad("netmask with holes", "netmask: 255.255.0.0", "netmask: 255.0.255.0", "network.netmask", 7,
                        "255.0.255.0", "not a netmask"),
                bad("gateway that is no address", "gateway: 10.1.1.1,", "gateway: gw.example.com,", "network.gateway", 7,
                        "gw.example.com", "not an IP address"),
                bad("gateway that is the network address", "gateway: 10.1.1.1,", "gateway: 10.1.0.0,",
                        "network.gateway", 7, "10.1.0.0", "network address"),
                bad("nameserver that is no address", "nameservers: [10.1.1.53]", "nameservers: [dns1]",
                        "network.nameservers[0]", 7, "dns1", "not an IP address"),
                bad("domain that is no domain", "domain: example.com", "domain: exa_mple.com", "network.domain", 7,
                        "exa_mple.com", "not a DNS domain"),
                bad("unknown profile", "profile: rw-root", "profile: rw-rooted", "profile", 3, "rw-rooted",
                        "use rw-root or ro-root"),
                bad("profile that does not fit the disks", "profile: rw-root", "profile: ro-root", "disks.0200", 6,
                        "copy", "does not fit profile ro-root"),
                bad("root linked for rw-root", "\"0200\": copy", "\"0200\": link", "disks.0200", 6, "link",
                        "does not fit profile rw-root"),
                bad("var not copied", "\"0202\": copy", "\"0202\": link", "disks.0202", 6, "link", "must be copy"),
                bad("191 copied", "\"0191\": link", "\"0191\": copy", "disks.0191", 6, "copy", "must be link"),
                bad("vdisk too large", "vdisk 524288", "vdisk 4194297", "disks.0201", 6, "4194297",
                        "not a V-DISK size"),
                bad("vdisk without size", "vdisk 524288", "vdisk", "disks.0201", 6, "vdisk", "needs its size"),
                bad("disk rule unknown", "\"0203\": link", "\"0203\": share", "disks.0203", 6, "share",
                        "not a disk rule"),
                bad("vaddr that is no vaddr", "\"0203\": link", "\"02G3\": link", "disks.02G3", 6, "02G3",
                        "not a device address"),
                bad("master that is no userid", "master: LNXMSTR", "master: LNX-MSTR", "master", 2, "LNX-MSTR",
                        "not a userid"),
                bad("batch name with a space", "batch: web-2026-11", "batch: web 2026", "batch", 1, "web 2026",
                        "not a batch name"),
                bad("unknown key (a typo)", "netmask: 255.255.0.0", "netmsk: 255.255.0.0", "network.netmsk", 7,
                        "netmsk", "not a known key"),
                bad("missing master", "master: LNXMSTR\n", "", "master", 0, null, "is missing"),
                bad("range and userid both", "  - range: LINUX001-LINUX300\n", "  - range: LINUX001-LINUX300\n    userid: X1\n",
                        "clones[0]", 9, "LINUX001-LINUX300", "both range and userid"),
                bad("hostname for a range", "    ip: 10.1.1.21\n", "    ip: 10.1.1.21\n    hostname: web\n",
                        "clones[0].hostname", 11, "web", "cannot be given for a range"),
                bad("duplicate key", "profile: rw-root\n", "profile: rw-root\nprofile: ro-root\n", "profile", 4, null,
                        "is given a second time (first on line 3)"),
                bad("no disks at all", "disks: {\"0191\": link, \"0200\": copy, \"0201\": vdisk 524288, \"0202\": copy,"
                        + " \"0203\": link}", "disks: {}", "disks", 6, null, "is empty"),
                bad("rw-root without a /var of its own", "\"0202\": copy, ", "", "disks", 6, null,
                        "has no var disk (0202, or 'as var'): profile rw-root needs one the clone owns"),
                bad("negative prefix", "netmask: 255.255.0.0", "prefix: -1", "network.prefix", 7, "-1",
                        "is not a prefix length"),
                bad("prefix written in hex (YAML 1.1)", "netmask: 255.255.0.0", "prefix: 0x10", "network.prefix", 7,
                        "0x10", "is not a prefix length"),
                bad("IPv6 prefix 0", "netmask: 255.255.0.0, gateway: 10.1.1.1", "prefix: 0, gateway: \"2001:db8::1\"",
                        "network.prefix", 7, "0", "puts every address in the clones' subnet"),
                bad("netmask 0.0.0.0", "netmask: 255.255.0.0", "netmask: 0.0.0.0", "network.netmask", 7, "0.0.0.0",
                        "puts every address in the clones' subnet"),
                bad("a second YAML document", "ip: 10.1.1.2}\n", "ip: 10.1.1.2}\n---\nbatch: other\n",
                        "(YAML)", 13, null, "starts a second YAML document"),
                bad("an unknown local tag", "master: LNXMSTR", "master: !custom LNXMSTR", "master", 2, "!custom",
                        "is a YAML tag a spec does not use"),
                bad("a Java object tag", "network: {", "network: !!java/object:java.net.URL {", "network", 7,
                        "!!java/object:java.net.URL", "is a YAML tag a spec does not use"),
                bad("a core tag that changes the type", "prototype: LNXPROTO", "prototype: !!int 12", "prototype", 4,
                        "!!int", "is a YAML tag a spec does not use"),
                bad("an alias", "prototype: LNXPROTO", "prototype: *proto", "prototype", 4, "*proto",
                        "is a YAML alias"));
    }

    private static Arguments bad(String name, String find, String replace, String place, int line, String value,
            String message) {
        assertThat(GOOD).as(name).contains(find);
        return Arguments.of(name, GOOD.replace(find, replace), place, line, value, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSpecs")
    void badSpecIsReportedWithPlaceLineAndValue(String name, String yaml, String place, int line, String value,
            String message) {
        List<SpecProblem> problems = validate(yaml).problems();
        assertThat(problems).as("problems of '%s': %s", name, problems)
                .anySatisfy(problem -> {
                    assertThat(problem.place()).isEqualTo(place);
                    if (line > 0) {
                        assertThat(problem.line()).isEqualTo(line);
                    }
                    if (value != null) {
                        assertThat(problem.value()).contains(value);
                    }
                    assertThat(problem.message()).contains(message);
                });
        assertThat(validate(yaml).clones()).as("no clones from a bad spec").isEmpty();
    }

    @Test
    void allProblemsAreReportedAtOnce() {
        String yaml = GOOD.replace("master: LNXMSTR", "master: LNX-MSTR")
                .replace("ip: 10.1.1.2}", "ip: 10.1.1.999}")
                .replace("vdisk 524288", "vdisk 0");
        List<SpecProblem> problems = validate(yaml).problems();
        assertThat(problems).extracting(SpecProblem::place)
                .contains("master", "clones[1].ip", "disks.0201");
    }

    /** YAML 1.1 would read these as true, Infinity, 31, 10 and 1000; a spec reads the text written. */
    @ParameterizedTest(name = "batch: {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"yes", "on", "1e999", "0x1F", "012", "1_000"})
    void readsEveryScalarAsTheTextWritten(String written) {
        SpecValidator.Validation result = validate(GOOD.replace("batch: web-2026-11", "batch: " + written));

        assertThat(result.problems()).isEmpty();
        assertThat(result.spec().batch()).isEqualTo(written);
    }

    @Test
    void keepsTheLeadingZeroOfANumericUserid() {
        SpecValidator.Validation result = validate(GOOD.replace("userid: LINUX301", "userid: 0301"));

        assertThat(result.problems()).isEmpty();
        assertThat(result.clones().get(300).userid()).isEqualTo("0301");
    }

    @Test
    void invalidYamlNamesItsLine() {
        List<SpecProblem> problems = validate("batch: x\nclones: [\n  {userid: A\n").problems();
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).place()).isEqualTo("(YAML)");
        assertThat(problems.get(0).line()).isGreaterThan(1);
    }

    @Test
    void ipv6RangesCountUpInsideTheirPrefix() {
        String yaml = GOOD.replace("netmask: 255.255.0.0", "prefix: 64").replace("gateway: 10.1.1.1", "gateway: \"2001:db8::1\"")
                .replace("ip: 10.1.1.21", "ip: \"2001:db8::15\"").replace("ip: 10.1.1.2}", "ip: \"2001:db8::2\"}")
                .replace("[10.1.1.53]", "[\"2001:db8::53\"]");
        SpecValidator.Validation result = validate(yaml);
        assertThat(result.problems()).isEmpty();
        assertThat(result.clones().get(0).ip()).isEqualTo("2001:db8::15");
        assertThat(result.clones().get(1).ip()).isEqualTo("2001:db8::16");
    }
}
