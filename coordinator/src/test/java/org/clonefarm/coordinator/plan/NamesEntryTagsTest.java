package org.clonefarm.coordinator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.clonefarm.coordinator.simulation.SimulationBatchCommandsTest;
import org.clonefarm.coordinator.simulation.TestFarms;
import org.clonefarm.coordinator.spec.SpecParser;
import org.clonefarm.platform.allocation.ExtentControl;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.names.NamesEntry;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The NAMES entry the coordinator writes per clone: the MAC of its interface, and IPv6 under the IPv6 tags. */
class NamesEntryTagsTest {
    @TempDir
    Path root;

    private BatchPlan plan(String directoryText, String spec) throws Exception {
        SimulationDataDirectory data = TestFarms.smallMaster(root, 200);
        String text = directoryText == null ? Files.readString(data.directoryFile()) : directoryText;
        return DirectoryPlanner.plan(new SpecParser().parse(spec), UserDirectory.parse(text, "test"),
                ExtentControl.read(data.extentControlFile()), Clock.systemUTC());
    }

    private static Map<String, String> tags(BatchPlan plan, int i) {
        NamesEntry entry = plan.names().get(i);
        return entry.tags();
    }

    /** A NICDEF without MACID: CP chooses the MAC, so the entry names none and the agent keeps its interface rule. */
    @Test
    void noMacaddrWithoutMacid() throws Exception {
        BatchPlan plan = plan(null, SimulationBatchCommandsTest.spec("mac-a", "LINUX001-LINUX002", "10.1.1.21"));

        assertThat(tags(plan, 0)).doesNotContainKey("macaddr")
                .containsEntry("ipaddr", "10.1.1.21").containsEntry("netmask", "255.255.255.0");
        assertThat(tags(plan, 1)).doesNotContainKey("macaddr");
    }

    /** A NICDEF with MACID: :macaddr. is z/VM's MAC of that NIC (the default prefix and the MACID). */
    @Test
    void macaddrIsZvmsWhenTheNicdefHasAMacid() throws Exception {
        SimulationDataDirectory data = TestFarms.smallMaster(root.resolve("probe"), 200);
        String text = Files.readString(data.directoryFile()).replace(" NICDEF 0600 TYPE QDIO LAN SYSTEM VSWLNX\n",
                " NICDEF 0600 TYPE QDIO LAN SYSTEM VSWLNX MACID 0A1B2C\n");
        assertThat(text).contains("MACID 0A1B2C");

        BatchPlan plan = plan(text, SimulationBatchCommandsTest.spec("mac-b", "LINUX001-LINUX001", "10.1.1.21"));

        assertThat(tags(plan, 0)).containsEntry("macaddr", "02:00:00:0a:1b:2c");
    }

    /** An IPv6 spec: the address, prefix and gateway go under :ipaddr6., :prefix6. and :gateway6., never the IPv4 tags. */
    @Test
    void ipv6SpecWritesTheIpv6Tags() throws Exception {
        String spec = """
                batch: v6
                master: LNXMSTR
                profile: rw-root
                prototype: LNXPROTO
                volumes: LNXPOOL
                disks: {"0191": link, "0200": copy, "0201": vdisk 524288, "0202": copy, "0203": link}
                network: {prefix: 64, gateway: "fd00:1::1", nameservers: ["fd00:1::53"], domain: example.com}
                clones:
                  - range: LINUX001-LINUX002
                    ip: "fd00:1::21"
                """;

        BatchPlan plan = plan(null, spec);

        assertThat(tags(plan, 0)).containsEntry("ipaddr6", "fd00:1::21").containsEntry("prefix6", "64")
                .containsEntry("gateway6", "fd00:1::1").containsEntry("nameservers", "fd00:1::53")
                .doesNotContainKeys("ipaddr", "prefix", "netmask", "gateway");
        assertThat(tags(plan, 1)).containsEntry("ipaddr6", "fd00:1::22");
    }
}
