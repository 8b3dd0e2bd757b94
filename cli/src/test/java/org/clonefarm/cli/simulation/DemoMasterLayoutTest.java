package org.clonefarm.cli.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.clonefarm.cli.simulation.DemoMaster.Kind;
import org.clonefarm.cli.simulation.DemoMaster.Layout;
import org.clonefarm.cli.simulation.DemoMaster.MasterDisk;
import org.clonefarm.platform.geometry.Dasd3390;
import org.clonefarm.platform.geometry.Model3390;
import org.clonefarm.platform.layout.CloneLayout.Role;
import org.junit.jupiter.api.Test;

/** The demo master's layout with data in its root: disks that fit, do not overlap, on the 3390 model that holds them. */
class DemoMasterLayoutTest {

    /** Without data the layout is the kind's own: the same disks on the same 3390-01 as before the option existed. */
    @Test
    void noDataIsTheKindsOwnLayout() {
        Layout plain = new Layout(Kind.SKELETON, 0);

        assertThat(plain.disks()).isEqualTo(Kind.SKELETON.disks());
        assertThat(plain.volumeModel()).isEqualTo(Model3390.MOD_1);
        assertThat(DemoMaster.directoryText(plain)).contains(" MDISK 0200 3390 11 120 LNXM01 MR\n");
        assertThat(plain.rwClonesThatFit()).isEqualTo(374);
    }

    /** 1 GiB of data: the root grows to hold it, the disks after it move up, and the volume becomes a 3390-02. */
    @Test
    void aGibOfDataGrowsTheRootAndPicksALargerModel() {
        Layout gib = new Layout(Kind.SKELETON, 1024);

        MasterDisk root = gib.disk(Role.ROOT);
        assertThat(Dasd3390.cylindersToBytes(root.cylinders() - 120)).isGreaterThan(1024L << 20);
        assertThat(root.startCylinder()).isEqualTo(11);
        List<MasterDisk> disks = gib.disks();
        for (int i = 1; i < disks.size(); i++) {
            assertThat(disks.get(i).startCylinder()).as("%s after %s", disks.get(i), disks.get(i - 1))
                    .isEqualTo(disks.get(i - 1).startCylinder() + disks.get(i - 1).cylinders());
        }
        assertThat(gib.volumeModel()).isEqualTo(Model3390.MOD_2);
        assertThat(gib.cylindersUsed()).isLessThanOrEqualTo(Model3390.MOD_2.cylinders()).isGreaterThan(Model3390.MOD_1.cylinders());
        assertThat(gib.rwClonesThatFit()).isEqualTo(2 * (Model3390.MOD_27.cylinders() / (root.cylinders() + 40)));
    }

    /** Data is for the skeleton: a bootable master with data, or negative data, is no layout. */
    @Test
    void dataOnTheBootableMasterIsRefused() {
        assertThatThrownBy(() -> new Layout(Kind.BOOTABLE, 64)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bootable");
        assertThatThrownBy(() -> new Layout(Kind.SKELETON, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
