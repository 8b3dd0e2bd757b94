package org.clonefarm.coordinator.dirmaint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.clonefarm.coordinator.simulation.SimulationBatchCommandsTest;
import org.clonefarm.coordinator.simulation.TestFarms;
import org.clonefarm.coordinator.plan.BatchPlan;
import org.clonefarm.coordinator.plan.DirectoryPlanner;
import org.clonefarm.coordinator.spec.SpecParser;
import org.clonefarm.platform.allocation.ExtentControl;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.platform.volume.Extent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the renderer makes of a prototype that already gives some devices, alike or not. */
class DirMaintRendererTest {

    /** A prototype LINK the clone keeps needs no command; a prototype AUTOG the spec decides is deleted, then added on the planned extent. */
    @Test
    void deletesWhatThePrototypeGivesDifferentlyAndSkipsWhatItGivesAlike(@TempDir Path root) throws Exception {
        SimulationDataDirectory data = TestFarms.smallMaster(root, 200);
        String text = Files.readString(data.directoryFile()).replace(" NICDEF 0600 TYPE QDIO LAN SYSTEM VSWLNX\n",
                " NICDEF 0600 TYPE QDIO LAN SYSTEM VSWLNX\n LINK LNXMSTR 0191 0191 RR\n MDISK 0200 3390 AUTOG 20 LNXPOOL MR\n"
                        + " LINK LNXMSTR 0203 0203 MR\n");
        UserDirectory directory = UserDirectory.parse(text, "extract");
        DirectoryEntry prototype = directory.entry(new Userid("LNXPROTO")).orElseThrow();
        BatchPlan plan = DirectoryPlanner.plan(new SpecParser().parse(SimulationBatchCommandsTest.spec("web-r", "LINUX001-LINUX001",
                "10.1.1.21")), directory, ExtentControl.read(data.extentControlFile()), Clock.systemUTC());
        DirectoryEntry clone = plan.entries().get(0);
        Extent root200 = clone.minidisk(new Vaddr("0200")).orElseThrow().extent().orElseThrow();

        List<String> commands = new DirMaintRenderer(prototype).render(clone).stream().map(DirMaintCommand::text).toList();

        assertThat(commands).containsExactly(
                "DIRM ADD LINUX001 LIKE LNXPROTO PW AUTOONLY",
                "DIRM FOR LINUX001 DMDISK 0200",
                "DIRM FOR LINUX001 LINK LNXMSTR 0203 0203 DELETE",
                "DIRM FOR LINUX001 AMDISK 0200 3390 " + root200.start() + " 20 " + root200.volser() + " MR",
                "DIRM FOR LINUX001 AMDISK 0201 FB-512 V-DISK 524288 MR",
                commands.get(5),
                "DIRM FOR LINUX001 LINK LNXMSTR 0203 0203 RR");
        assertThat(commands.get(5)).startsWith("DIRM FOR LINUX001 AMDISK 0202 3390 ").endsWith(" 10 " + root200.volser() + " MR");
    }

    /** A clone entry with a statement the prototype lacks (other than devices) cannot be made by ADD LIKE. */
    @Test
    void refusesAnEntryThatDiffersFromThePrototypeOutsideDevices(@TempDir Path root) throws Exception {
        SimulationDataDirectory data = TestFarms.smallMaster(root, 200);
        UserDirectory directory = data.readDirectory();
        DirectoryEntry prototype = directory.entry(new Userid("LNXPROTO")).orElseThrow();
        DirectoryEntry clone = UserDirectory.parse("""
                USER LINUX009 AUTOONLY 1G 2G G
                 IPL CMS
                 MACHINE ESA 2
                 NICDEF 0600 TYPE QDIO LAN SYSTEM VSWLNX
                """, "clone").entries().get(0);

        assertThatThrownBy(() -> new DirMaintRenderer(prototype).render(clone))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LINUX009 differs from prototype LNXPROTO").hasMessageContaining("IPL CMS");
    }
}
