package org.clonefarm.platform.geometry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The geometry numbers the project depends on. */
class GeometryTest {

    /** A 3390 cylinder is 15 tracks of 12 4-KiB blocks: 737,280 bytes, the one mapping everything uses. */
    @Test
    void cylinderIs737280BytesEverywhere() {
        assertThat(Dasd3390.BYTES_PER_CYLINDER).isEqualTo(737_280L);
        assertThat(DeviceType.DASD_3390.bytesPerUnit()).isEqualTo(737_280L);
        assertThat(DeviceType.DASD_3390.toBytes(1800)).isEqualTo(1_327_104_000L);
        assertThat(Dasd3390.cylindersFor(737_281)).isEqualTo(2);
        assertThat(CkdBlockSize.B4096.bytesPerCylinder()).isEqualTo(Dasd3390.BYTES_PER_CYLINDER);
        assertThat(Dasd3390.RAW_BYTES_PER_CYLINDER).isEqualTo(849_960L);
    }

    /** Blocks per track at each dasdfmt block size. */
    @Test
    void blocksPerTrackMatchDasdfmt() {
        assertThat(CkdBlockSize.B512.blocksPerTrack()).isEqualTo(49);
        assertThat(CkdBlockSize.B1024.blocksPerTrack()).isEqualTo(33);
        assertThat(CkdBlockSize.B2048.blocksPerTrack()).isEqualTo(21);
        assertThat(CkdBlockSize.B4096.blocksPerTrack()).isEqualTo(12);
    }

    /** 3390 models by name and by size. */
    @Test
    void modelsHaveTheirCylinderCounts() {
        assertThat(Model3390.byName("3390-09")).contains(Model3390.MOD_9);
        assertThat(Model3390.byName("9")).contains(Model3390.MOD_9);
        assertThat(Model3390.byName("mod27")).contains(Model3390.MOD_27);
        assertThat(Model3390.MOD_3.cylinders()).isEqualTo(3339);
        assertThat(Model3390.MOD_54.cylinders()).isEqualTo(60102);
        assertThat(Model3390.ofCylinders(65520)).contains(Model3390.MOD_64K);
        assertThat(Model3390.byName("3390-S200")).isEmpty();
    }

    /** FB-512 blocks and the V-DISK limit. */
    @Test
    void fbaBlocksAndVdiskLimit() {
        assertThat(DeviceType.FB_512.toBytes(524_288)).isEqualTo(256L * 1024 * 1024);
        assertThat(Fba.isValidVdiskSize(4_194_296)).isTrue();
        assertThat(Fba.isValidVdiskSize(4_194_297)).isFalse();
        assertThat(DeviceType.byName("9336-20")).contains(DeviceType.FB_512);
        assertThat(DeviceType.byName("3380")).isEmpty();
    }
}
