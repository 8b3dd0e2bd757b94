package org.clonefarm.platform.allocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.MdiskStatement;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.directory.UserStatement;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.volume.Extent;
import org.clonefarm.platform.volume.Volume;

/** Properties of the extent allocator over random volumes, directories and batches. */
class ExtentAllocatorPropertiesTest {

    /** A random system: volumes in one group (some regions partial), and a directory with random minidisks on them. */
    record World(ExtentControl control, UserDirectory directory) {
    }

    @Provide
    Arbitrary<World> worlds() {
        Arbitrary<List<Integer>> sizes = Arbitraries.integers().between(2, 400).list().ofMinSize(1).ofMaxSize(4);
        Arbitrary<List<int[]>> disks = Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 399),
                Arbitraries.integers().between(1, 60)).as((v, s, n) -> new int[] {v, s, n}).list().ofMaxSize(12);
        Arbitrary<Boolean> rotating = Arbitraries.of(true, false);
        return Combinators.combine(sizes, disks, rotating).as(ExtentAllocatorPropertiesTest::world);
    }

    static World world(List<Integer> sizes, List<int[]> disks, boolean rotating) {
        ExtentControl control = ExtentControl.empty();
        List<Volume> volumes = new ArrayList<>();
        for (int i = 0; i < sizes.size(); i++) {
            Volume volume = new Volume(Volser.of("V" + i), DeviceType.DASD_3390, sizes.get(i));
            volumes.add(volume);
            control = control.withVolume(volume, "G");
        }
        control = control.withRotation("G", rotating);
        UserDirectory directory = UserDirectory.empty();
        List<MdiskStatement> mdisks = new ArrayList<>();
        int vaddr = 0x100;
        for (int[] d : disks) {
            Volume volume = volumes.get(d[0] % volumes.size());
            long start = d[1] % volume.size();
            long size = Math.min(d[2], volume.size() - start);
            mdisks.add(MdiskStatement.onExtent(Vaddr.of(vaddr++), new Extent(volume.volser(), DeviceType.DASD_3390, start, size), "MR"));
        }
        directory.add(DirectoryEntry.of(UserStatement.user(Userid.of("OLD"), "PW", "1G", "1G", "G"), mdisks));
        return new World(control, directory);
    }

    /** Whatever the batch, what is allocated overlaps neither itself nor the directory, and stays in the group's regions. */
    @Property(tries = 300)
    void randomBatchesNeverOverlap(@ForAll("worlds") World world,
            @ForAll @Size(max = 25) List<@IntRange(min = 1, max = 40) Integer> sizes) {
        ExtentAllocator allocator = new ExtentAllocator(world.control(), world.directory());
        List<ExtentRequest> batch = sizes.stream().map(s -> new ExtentRequest("G", DeviceType.DASD_3390, s)).toList();
        List<Extent> existing = world.directory().usedExtents();
        List<Extent> got;
        try {
            got = allocator.allocate(batch);
            Statistics.collect("fits");
        } catch (AllocationException e) {
            Statistics.collect("does not fit");
            return; // the other property covers batches that do not fit
        } finally {
            // most random batches must exercise the success path, or this property proves little
            Statistics.coverage(coverage -> coverage.check("fits").percentage(p -> p >= 25));
        }
        assertThat(got).hasSize(batch.size());
        for (int i = 0; i < got.size(); i++) {
            Extent extent = got.get(i);
            assertThat(extent.size()).isEqualTo(batch.get(i).size());
            assertThat(extent.start()).isGreaterThanOrEqualTo(1);
            assertThat(world.control().volumes().get(extent.volser()).contains(extent)).isTrue();
            for (Extent old : existing) {
                assertThat(extent.overlaps(old)).as("%s overlaps directory extent %s", extent, old).isFalse();
            }
            for (int j = i + 1; j < got.size(); j++) {
                assertThat(extent.overlaps(got.get(j))).as("%s overlaps %s", extent, got.get(j)).isFalse();
            }
        }
    }

    /** A batch larger than all free space fails, and the directory and the free space are exactly as before. */
    @Property(tries = 200)
    void batchThatDoesNotFitLeavesTheDirectoryUnchanged(@ForAll("worlds") World world,
            @ForAll @Size(max = 25) List<@IntRange(min = 1, max = 80) Integer> sizes, @ForAll @IntRange(min = 1, max = 50) int excess) {
        ExtentAllocator allocator = new ExtentAllocator(world.control(), world.directory());
        long free = allocator.freeUnits("G", DeviceType.DASD_3390);
        List<ExtentRequest> batch = new ArrayList<>(sizes.stream().map(s -> new ExtentRequest("G", DeviceType.DASD_3390, s)).toList());
        long asked = batch.stream().mapToLong(ExtentRequest::size).sum();
        batch.add(new ExtentRequest("G", DeviceType.DASD_3390, Math.max(1, free - asked + excess)));
        String before = world.directory().print();
        List<VolumeSpace> spaceBefore = allocator.volumeSpace();

        assertThatThrownBy(() -> allocator.allocate(batch)).isInstanceOf(AllocationException.class)
                .satisfies(e -> assertThat(((AllocationException) e).shortfalls()).allSatisfy(s -> assertThat(s.missingUnits()).isPositive()));

        assertThat(world.directory().print()).isEqualTo(before);
        assertThat(allocator.volumeSpace()).isEqualTo(spaceBefore);
        assertThat(allocator.freeUnits("G", DeviceType.DASD_3390)).isEqualTo(free);
    }
}
