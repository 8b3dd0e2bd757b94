package org.clonefarm.platform.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulation's data directory: volumes as sparse images, minidisks resolved to their bytes. */
class SimulationDataDirectoryTest {

    @TempDir
    Path dir;
    SimulationDataDirectory data;

    @BeforeEach
    void createData() throws IOException {
        data = SimulationDataDirectory.at(dir);
        data.createVolume(Volser.of("LX0001"), DeviceType.DASD_3390, 10017, "LINUX");
        data.createVolume(Volser.of("FB0001"), DeviceType.FB_512, 2_000_000, "FBA");
        data.writeDirectory(UserDirectory.parse("""
                USER LINUX001 PW 1G 2G G
                 MDISK 0200 3390 3340 1800 LX0001 MR
                 MDISK 0201 FB-512 V-DISK 524288 MR
                 MDISK 0202 3390 9000 END LX0001 MR
                 MDISK 0203 FB-512 64 1000 FB0001 MR
                """, "USER.DIRECT"));
    }

    /** A volume is a sparse file of its real size: a 3390-9 image is 10017 x 737,280 bytes and takes almost no space. */
    @Test
    void volumeImageIsSparseAndOfTheRealSize() throws IOException {
        Path image = data.volumeImage(Volser.of("LX0001"));

        assertThat(image).isEqualTo(dir.resolve("volumes/LX0001.img"));
        assertThat(Files.size(image)).isEqualTo(10017L * 737_280);
        long allocated = du(image);
        assertThat(allocated).isLessThan(1024 * 1024);
    }

    private static long du(Path file) throws IOException {
        try {
            Process process = new ProcessBuilder("du", "-B1", "--", file.toString()).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            process.waitFor();
            return Long.parseLong(out.split("\\s+")[0]);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** USERID + VADDR resolve to the image, the byte offset and the length of the minidisk. */
    @Test
    void resolvesMinidisksToBytes() throws IOException {
        assertThat(data.resolve(Userid.of("LINUX001"), Vaddr.of("200")))
                .isEqualTo(new FileRegion(data.volumeImage(Volser.of("LX0001")), 3340L * 737_280, 1800L * 737_280));
        assertThat(data.resolve(Userid.of("LINUX001"), Vaddr.of("202")))
                .isEqualTo(new FileRegion(data.volumeImage(Volser.of("LX0001")), 9000L * 737_280, 1017L * 737_280));
        assertThat(data.resolve(Userid.of("LINUX001"), Vaddr.of("203")))
                .isEqualTo(new FileRegion(data.volumeImage(Volser.of("FB0001")), 64L * 512, 1000L * 512));
    }

    /** What has no bytes is refused with a sentence that names it. */
    @Test
    void refusesWhatHasNoBytes() {
        assertThatThrownBy(() -> data.resolve(Userid.of("LINUX001"), Vaddr.of("201"))).isInstanceOf(SimulationException.class)
                .hasMessageContaining("LINUX001 0201 is a V-DISK");
        assertThatThrownBy(() -> data.resolve(Userid.of("LINUX001"), Vaddr.of("299")))
                .hasMessageContaining("LINUX001 has no minidisk 0299 (its minidisks: 0200 0201 0202 0203)");
        assertThatThrownBy(() -> data.resolve(Userid.of("NOBODY"), Vaddr.of("200"))).hasMessageContaining("NOBODY has no entry");
    }

    /** The volume report gives size, free space, largest free extent and groups, and flags an image of the wrong size. */
    @Test
    void reportsVolumesWithFreeSpaceAndProblems() throws IOException {
        Files.write(data.volumeImage(Volser.of("STRAY")), new byte[4096]);

        List<VolumeStatus> report = data.volumeStatus();

        assertThat(report).extracting(s -> s.volser().value()).containsExactly("FB0001", "LX0001", "STRAY");
        VolumeStatus lx = report.get(1);
        assertThat(lx.space().orElseThrow().freeUnits()).isEqualTo(10016 - 1800 - 1017);
        assertThat(lx.space().orElseThrow().largestFreeExtent()).isEqualTo(9000 - 5140);
        assertThat(lx.groups()).containsExactly("LINUX");
        assertThat(lx.problems()).isEmpty();
        assertThat(report.get(2).problems()).singleElement().asString().contains("not declared");
        assertThatThrownBy(() -> data.createVolume(Volser.of("LX0001"), DeviceType.DASD_3390, 100, null))
                .hasMessageContaining("exists already");
    }
}
