package org.clonefarm.platform.allocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.volume.Volume;
import org.junit.jupiter.api.Test;

/** Reading and writing EXTENT CONTROL, DirMaint's map of where minidisks may go. */
class ExtentControlTest {

    static final String TEXT = """
            * sample
            :REGIONS.
            *RegionId  VolSer    RegStart     RegEnd  Dev-Type  Comments
            LX0001     LX0001    1            END     3390-09
            LX0002A    LX0002    0            999     3390-03   first part
            LX0002B    LX0002    1000         END     3390-03
            FB0001     FB0001    START        END     FB-512-S1000000
            :END.
            :GROUPS.
            *GroupName RegionList
            LINUX      (ALLOCATE ROTATING)
            LINUX      LX0001 LX0002A
            LINUX      LX0002B
            FBA        FB0001
            :END.
            :EXCLUDE.
            MAINT 0190
            :END.
            :DEFAULTS.
            FB-512-S1000000 1000000
            :END.
            """;

    /** Regions, groups and device sizes are read; RegStart 0 is raised to cylinder 1, never allocated. */
    @Test
    void readsRegionsGroupsAndSizes() {
        ExtentControl control = ExtentControl.parse(TEXT, "EXTENT CONTROL");

        assertThat(control.volumes()).containsEntry(Volser.of("LX0001"), new Volume(Volser.of("LX0001"), DeviceType.DASD_3390, 10017))
                .containsEntry(Volser.of("FB0001"), new Volume(Volser.of("FB0001"), DeviceType.FB_512, 1_000_000));
        Region first = control.region("LX0002A").orElseThrow();
        assertThat(first.start()).isEqualTo(1);
        assertThat(first.end()).isEqualTo(1000);
        assertThat(control.region("FB0001").orElseThrow().start()).isEqualTo(32);
        Group linux = control.groups().get("LINUX");
        assertThat(linux.rotating()).isTrue();
        assertThat(linux.regionIds()).containsExactly("LX0001", "LX0002A", "LX0002B");
    }

    /** Printing and reading again gives the same control. */
    @Test
    void printThenParseGivesTheSameControl() {
        ExtentControl control = ExtentControl.parse(TEXT, "EXTENT CONTROL")
                .withVolume(new Volume(Volser.of("LX0003"), DeviceType.DASD_3390, 200), "LINUX");

        ExtentControl again = ExtentControl.parse(control.print(), "printed");

        assertThat(again).isEqualTo(control);
        assertThat(control.print().lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(72));
        assertThat(again.volumes().get(Volser.of("LX0003")).size()).isEqualTo(200);
    }

    /** A group naming a missing region, or a device type of unknown size, is refused with the line. */
    @Test
    void refusesInconsistentControlWithTheLine() {
        assertThatThrownBy(() -> ExtentControl.parse(":REGIONS.\nA V1 1 END 3390\n:END.\n", "EC"))
                .isInstanceOf(ExtentControlException.class).hasMessageContaining("EC line 2").hasMessageContaining(":DEFAULTS.");
        assertThatThrownBy(() -> ExtentControl.parse(":REGIONS.\nA V1 1 END 3390-03\n:END.\n:GROUPS.\nG A B\n:END.\n", "EC"))
                .hasMessageContaining("region B");
        assertThatThrownBy(() -> ExtentControl.parse(":REGIONS.\nA V1 1 END 3390-03\nB V1 1 END 3390-09\n:END.\n", "EC"))
                .hasMessageContaining("V1");
    }
}
