package org.clonefarm.platform.names;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** NAMES files parse as CMS reads them and write so that they read back the same. */
class NamesFileTest {

    /** Entries start at :nick. and collect the tags that follow, on the same and later records. */
    @Test
    void entriesCollectTagsUntilTheNextNick() throws NamesFormatException {
        NamesFile file = NamesFile.parse(List.of(
                ":nick.LINUX001 :hostname.linux001.example.com",
                "   :ipaddr.10.1.1.21 :netmask.255.255.255.0",
                ":nick.LINUX002 :hostname.linux002.example.com   "));
        assertThat(file.entries()).extracting(NamesEntry::nick).containsExactly("LINUX001", "LINUX002");
        assertThat(file.entry("linux001").orElseThrow().tags()).containsExactly(
                Map.entry("hostname", "linux001.example.com"), Map.entry("ipaddr", "10.1.1.21"),
                Map.entry("netmask", "255.255.255.0"));
        assertThat(file.entry("LINUX002").orElseThrow().get("ipaddr")).isEmpty();
    }

    /** Tag names are case-insensitive and reported in lower case. */
    @Test
    void tagNamesAreCaseInsensitive() throws NamesFormatException {
        NamesFile file = NamesFile.parse(List.of(":NICK.Lx1 :HostName.h1 :IPADDR.10.0.0.1"));
        NamesEntry entry = file.entry("LX1").orElseThrow();
        assertThat(entry.tags()).containsOnlyKeys("hostname", "ipaddr");
        assertThat(entry.get("HOSTNAME")).contains("h1");
        assertThat(entry.get("nick")).contains("Lx1");
    }

    /** A value that goes on in the next record is joined with one blank and trimmed. */
    @Test
    void valuesSpanRecords() throws NamesFormatException {
        NamesFile file = NamesFile.parse(List.of(
                ":nick.OPS :name.Operations",
                "      Team of the   Night Shift",
                "  :notebook.",
                "  ALL   :custom_tag-1.x"));
        NamesEntry entry = file.entry("ops").orElseThrow();
        assertThat(entry.get("name")).contains("Operations Team of the   Night Shift");
        assertThat(entry.get("notebook")).contains("ALL");
        assertThat(entry.get("custom_tag-1")).contains("x");
    }

    /** IPv6 values keep every colon: a colon is a tag only after a blank and before name + period. */
    @Test
    void ipv6ValuesReadBackWithTheirColons() throws NamesFormatException {
        NamesFile file = NamesFile.parse(List.of(
                ":nick.LINUX001 :ipaddr6.2001:db8:0:1::21 :gateway6.fe80::1",
                "  :mapped.::ffff:10.1.1.21 :prefix6.64 :zone.fe80::1%eth0"));
        NamesEntry entry = file.entry("LINUX001").orElseThrow();
        assertThat(entry.tags()).containsExactly(Map.entry("ipaddr6", "2001:db8:0:1::21"),
                Map.entry("gateway6", "fe80::1"), Map.entry("mapped", "::ffff:10.1.1.21"), Map.entry("prefix6", "64"),
                Map.entry("zone", "fe80::1%eth0"));
    }

    /** The DEFAULTS entry fills in the tags an entry lacks; the entry's own values win. */
    @Test
    void defaultsFillMissingTags() throws NamesFormatException {
        NamesFile file = NamesFile.parse(List.of(
                ":nick.DEFAULTS :netmask.255.255.255.0 :gateway.10.1.1.1",
                ":nick.LINUX007 :ipaddr.10.1.1.27 :gateway.10.1.1.254"));
        assertThat(file.resolve("linux007").orElseThrow().tags()).containsExactly(
                Map.entry("ipaddr", "10.1.1.27"), Map.entry("gateway", "10.1.1.254"),
                Map.entry("netmask", "255.255.255.0"));
        assertThat(file.entry("LINUX007").orElseThrow().get("netmask")).isEmpty();
        assertThat(file.resolve("NOSUCH")).isEmpty();
    }

    /**
     * The DEFAULTS rule on plain maps, as the guest agent uses it: tag names in any case meet, the clone's own value
     * wins, its tags come first, and a nick is never inherited.
     */
    @Test
    void defaultsRuleMergesTagsOfAnyCaseWithTheOwnValueWinning() {
        Map<String, String> own = new LinkedHashMap<>();
        own.put("IPADDR", "10.1.1.27");
        own.put("Gateway", "10.1.1.254");
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("nick", "DEFAULTS");
        defaults.put("gateway", "10.1.1.1");
        defaults.put("NETMASK", "255.255.255.0");

        assertThat(NamesFile.withDefaults(own, defaults)).containsExactly(Map.entry("ipaddr", "10.1.1.27"),
                Map.entry("gateway", "10.1.1.254"), Map.entry("netmask", "255.255.255.0"));
        assertThat(NamesFile.withDefaults(own, Map.of())).containsExactly(Map.entry("ipaddr", "10.1.1.27"),
                Map.entry("gateway", "10.1.1.254"));
    }

    /** Broken files are refused with the record number of the problem. */
    @Test
    void errorsNameTheRecord() {
        assertThatThrownBy(() -> NamesFile.parse(List.of("", "some text", ":nick.A")))
                .isInstanceOfSatisfying(NamesFormatException.class, e -> assertThat(e.record()).isEqualTo(2))
                .hasMessageContaining("before the first :nick.");
        assertThatThrownBy(() -> NamesFile.parse(List.of(":nick.A", ":x.1 :nick.B")))
                .isInstanceOfSatisfying(NamesFormatException.class, e -> assertThat(e.record()).isEqualTo(2))
                .hasMessageContaining("first word of a record");
        assertThatThrownBy(() -> NamesFile.parse(List.of(":nick.A :ip.1", "", ":IP.2")))
                .isInstanceOfSatisfying(NamesFormatException.class, e -> assertThat(e.record()).isEqualTo(3))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> NamesFile.parse(List.of(":nick.A", ":nick.b", ":nick.a")))
                .isInstanceOfSatisfying(NamesFormatException.class, e -> assertThat(e.record()).isEqualTo(3))
                .hasMessageContaining("first in record 1");
        assertThatThrownBy(() -> NamesFile.parse(List.of(":nick. :x.1")))
                .isInstanceOf(NamesFormatException.class).hasMessageContaining("no value");
    }

    /** Written records fit the record length, each entry starts a record, and they parse back equal. */
    @Test
    void writtenRecordsFitAndReadBackEqual() throws NamesFormatException {
        Random random = new Random(42);
        List<NamesEntry> entries = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Map<String, String> tags = new LinkedHashMap<>();
            tags.put("hostname", "host" + i + ".a-rather-long-domain-name.example.com");
            tags.put("ipaddr6", "2001:db8:" + Integer.toHexString(i) + "::" + Integer.toHexString(random.nextInt(65536)));
            tags.put("Description", "words " + "x".repeat(random.nextInt(30)) + " and more words " + i);
            tags.put("empty", "");
            entries.add(NamesEntry.of("LINUX" + i, tags));
        }
        NamesFile file = NamesFile.of(entries);
        List<String> records = file.toRecords(80);
        assertThat(records).allSatisfy(record -> assertThat(record.length()).isLessThanOrEqualTo(80));
        assertThat(records.stream().filter(record -> record.startsWith(":nick."))).hasSize(200);
        NamesFile back = NamesFile.parse(records);
        assertThat(back.entries()).isEqualTo(entries);
        assertThat(back.entry("LINUX5").orElseThrow().get("description")).contains(entries.get(5).tags().get("description"));
    }

    /** Values that would read back differently, and words longer than a record, are refused when written. */
    @Test
    void refusesValuesThatWouldNotReadBack() {
        assertThatThrownBy(() -> NamesEntry.of("A", Map.of("name", "x :y.z")))
                .hasMessageContaining("would read back as a tag");
        assertThatThrownBy(() -> NamesEntry.of("A", Map.of("name", "line\nbreak")))
                .hasMessageContaining("U+000A");
        assertThatThrownBy(() -> NamesEntry.of("A", Map.of("9bad", "x"))).hasMessageContaining("tag name");
        assertThatThrownBy(() -> NamesEntry.of("A", Map.of("nick", "x"))).hasMessageContaining("nick");
        NamesFile longWord = NamesFile.of(List.of(NamesEntry.of("A", Map.of("hostname", "h".repeat(90)))));
        assertThatThrownBy(() -> longWord.toRecords(80)).hasMessageContaining("does not fit a record of 80");
        assertThat(NamesEntry.of("A", Map.of("v", ":starts.with-colon")).get("v")).contains(":starts.with-colon");
    }
}
