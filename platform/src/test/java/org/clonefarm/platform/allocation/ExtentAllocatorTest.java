package org.clonefarm.platform.allocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.List;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.volume.Extent;
import org.clonefarm.platform.volume.Volume;
import org.junit.jupiter.api.Test;

/** How the extent allocator places disks and how it says no. */
class ExtentAllocatorTest {

    static final Volume LX1 = new Volume(Volser.of("LX0001"), DeviceType.DASD_3390, 1000);
    static final Volume LX2 = new Volume(Volser.of("LX0002"), DeviceType.DASD_3390, 500);
    static final Volume FB1 = new Volume(Volser.of("FB0001"), DeviceType.FB_512, 100_000);

    static ExtentControl control() {
        return ExtentControl.empty().withVolume(LX1, "LINUX").withVolume(LX2, "LINUX").withVolume(FB1, "FBA");
    }

    static ExtentRequest cyl(long size) {
        return new ExtentRequest("LINUX", DeviceType.DASD_3390, size);
    }

    /** Allocation fills the gaps around existing minidisks, first fit, and never touches cylinder 0. */
    @Test
    void fillsGapsAroundDirectoryMinidisksFromCylinderOne() {
        UserDirectory directory = UserDirectory.parse("USER A PW\n MDISK 0200 3390 0 1 LX0001 R\n MDISK 0201 3390 11 100 LX0001 MR\n", "D");
        ExtentAllocator allocator = new ExtentAllocator(control(), directory);

        List<Extent> got = allocator.allocate(List.of(cyl(10), cyl(5), cyl(200)));

        assertThat(got).containsExactly(new Extent(LX1.volser(), DeviceType.DASD_3390, 1, 10),
                new Extent(LX1.volser(), DeviceType.DASD_3390, 111, 5), new Extent(LX1.volser(), DeviceType.DASD_3390, 116, 200));
    }

    /** FBA allocations start after the reserved first blocks. */
    @Test
    void fbaAllocationSkipsTheFirstBlocks() {
        ExtentAllocator allocator = new ExtentAllocator(control(), UserDirectory.empty());

        assertThat(allocator.allocate(List.of(new ExtentRequest("FBA", DeviceType.FB_512, 64))).get(0).start()).isEqualTo(32);
    }

    /** Extents handed out are not handed out again, even before they reach the directory; released ones are. */
    @Test
    void reservesWhatItHandsOutUntilReleased() {
        ExtentAllocator allocator = new ExtentAllocator(control(), UserDirectory.empty());

        Extent first = allocator.allocate(List.of(cyl(100))).get(0);
        Extent second = allocator.allocate(List.of(cyl(100))).get(0);
        allocator.release(List.of(first));
        Extent third = allocator.allocate(List.of(cyl(100))).get(0);

        assertThat(second.overlaps(first)).isFalse();
        assertThat(third).isEqualTo(first);
    }

    /** A batch that does not fit allocates nothing and says how much is missing, with free space and largest extent. */
    @Test
    void batchThatDoesNotFitSaysWhatIsMissingAndAllocatesNothing() {
        ExtentAllocator allocator = new ExtentAllocator(control(), UserDirectory.empty());
        long freeBefore = allocator.freeUnits("LINUX", DeviceType.DASD_3390);

        // 999 + 499 free cylinders: six disks of 300 fit four (3 on LX0001, 1 on LX0002), two are missing
        assertThatThrownBy(() -> allocator.allocate(Collections.nCopies(6, cyl(300))))
                .isInstanceOf(AllocationException.class)
                .hasMessageContaining("group LINUX cannot hold 2 of 6 3390 extents")
                .hasMessageContaining("1800 cylinders asked, 600 cylinders missing")
                .hasMessageContaining("1498 cylinders free, largest free extent 999 cylinders")
                .hasMessageContaining("Nothing was allocated")
                .satisfies(e -> assertThat(((AllocationException) e).shortfalls()).singleElement()
                        .satisfies(s -> assertThat(s.missingUnits()).isEqualTo(600)));
        assertThat(allocator.freeUnits("LINUX", DeviceType.DASD_3390)).isEqualTo(freeBefore).isEqualTo(1498);
    }

    /** An unknown group, or a group with no volume of the requested type, is refused. */
    @Test
    void refusesUnknownGroupsAndMissingDeviceTypes() {
        ExtentAllocator allocator = new ExtentAllocator(control(), UserDirectory.empty());

        assertThatThrownBy(() -> allocator.allocate(List.of(new ExtentRequest("NOPE", DeviceType.DASD_3390, 1))))
                .hasMessageContaining("no group NOPE");
        assertThatThrownBy(() -> allocator.allocate(List.of(new ExtentRequest("FBA", DeviceType.DASD_3390, 1))))
                .hasMessageContaining("0 cylinders free");
    }

    /** A rotating group spreads consecutive allocations over its regions. */
    @Test
    void rotatingGroupSpreadsOverVolumes() {
        ExtentAllocator allocator = new ExtentAllocator(control().withRotation("LINUX", true), UserDirectory.empty());

        List<Extent> got = allocator.allocate(List.of(cyl(10), cyl(10), cyl(10), cyl(10)));

        assertThat(got).extracting(Extent::volser).containsExactly(LX1.volser(), LX2.volser(), LX1.volser(), LX2.volser());
    }

    /** Free space and the largest free extent are reported per volume. */
    @Test
    void reportsFreeSpacePerVolume() {
        UserDirectory directory = UserDirectory.parse("USER A PW\n MDISK 0200 3390 100 100 LX0001 MR\n MDISK 0201 3390 400 END LX0002 MR\n", "D");

        List<VolumeSpace> spaces = new ExtentAllocator(control(), directory).volumeSpace();

        assertThat(spaces).extracting(VolumeSpace::toString).containsExactly(
                "LX0001: 899 cylinders free of 999, largest free extent 800 cylinders",
                "LX0002: 399 cylinders free of 499, largest free extent 399 cylinders",
                "FB0001: 99968 blocks free of 99968, largest free extent 99968 blocks");
    }
}
