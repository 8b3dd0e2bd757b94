package org.clonefarm.cli.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.names.NamesEntry;
import org.clonefarm.platform.ids.Vaddr;
import org.junit.jupiter.api.Test;

/** The conventions the bootable master and the QEMU runtime share, each from its one home. */
class QemuGuestRuntimeTest {

    @Test
    void aCloneGetsTheMacOfItsNamesEntryElseTheUseridRule() {
        NamesEntry withMacid = NamesEntry.of("LINUX001", java.util.Map.of("macaddr", "02:00:00:0a:1b:2c"));
        NamesEntry without = NamesEntry.of("LINUX001", java.util.Map.of("ipaddr", "10.1.1.21"));

        assertThat(QemuGuestRuntime.macAddress(Userid.of("LINUX001"), withMacid)).isEqualTo("02:00:00:0a:1b:2c");
        assertThat(QemuGuestRuntime.macAddress(Userid.of("LINUX001"), without))
                .isEqualTo(CloneLayout.macAddress(Userid.of("LINUX001")));
    }

    @Test
    void aMinidiskIsNamedByTheVirtioSerialThatIsItsVaddr() {
        assertThat(QemuGuestRuntime.deviceName(Vaddr.of("191"))).isEqualTo("/dev/disk/by-id/virtio-0191");
    }

    @Test
    void theMastersAgentReadsThe191ByItsStableNameAndSendsToTheGuestsBrokerAddress() {
        String properties = BootableMaster.agentProperties();

        assertThat(properties).contains("\nconfig.disk=/dev/disk/by-id/virtio-0191\n", "\nconfig.disk.bus.id=\n",
                "\nbootstrap.servers=" + DemoMaster.GUEST_BROKER + "\n", "\ninterface.default=eth0");
    }

    @Test
    void kernelBootsCountsTheKernelsBanners() {
        String console = "[    0.000000] Linux version 6.1.0-57-amd64 ...\n...\nreboot: Restarting system\n"
                + "[    0.000000] Linux version 6.1.0-57-amd64 ...\n";

        assertThat(QemuGuestRuntime.kernelBoots(console)).isEqualTo(2);
        assertThat(QemuGuestRuntime.kernelBoots("")).isZero();
    }
}
