package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code clonefarm zvm}: directory check, volumes and locate, as a user runs them. */
class ZvmCommandTest {

    @TempDir
    Path dir;
    SimulationDataDirectory data;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut;
    PrintStream oldErr;

    @BeforeEach
    void createDataAndCaptureOutput() throws IOException {
        data = SimulationDataDirectory.at(dir.resolve("data"));
        data.createVolume(Volser.of("LX0000"), DeviceType.DASD_3390, 3339, null);
        data.createVolume(Volser.of("LX0001"), DeviceType.DASD_3390, 10017, "LINUX");
        data.writeDirectory(UserDirectory.parse("""
                USER LNXMSTR NOLOG 1G 2G G
                 MDISK 0191 3390 1 50 LX0000 MR
                 MDISK 0200 3390 51 1800 LX0000 MR
                USER LINUX001 XXXXXXXX 1G 2G G
                 LINK LNXMSTR 0191 0191 RR
                 MDISK 0200 3390 3340 1800 LX0001 MR
                 MDISK 0201 FB-512 V-DISK 524288 MR
                """, "USER.DIRECT"));
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreOutput() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** locate prints one line: the volume image, the byte offset and the length of the minidisk. */
    @Test
    void locatePrintsPathOffsetAndLength() {
        int code = Main.run("zvm", "locate", "linux001", "200", "--data", data.root().toString());

        assertThat(code).isZero();
        assertThat(out()).isEqualTo(data.volumeImage(Volser.of("LX0001")) + " " + 3340L * 737_280 + " " + 1800L * 737_280
                + System.lineSeparator());
    }

    /** locate of a V-DISK or a missing minidisk fails with a sentence and no stack trace. */
    @Test
    void locateExplainsWhatHasNoBytes() {
        assertThat(Main.run("zvm", "locate", "LINUX001", "0201", "--data", data.root().toString())).isEqualTo(1);
        assertThat(err()).contains("LINUX001 0201 is a V-DISK").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(Main.run("zvm", "locate", "bad_user", "0201", "--data", data.root().toString())).isEqualTo(2);
        assertThat(err()).contains("'bad_user' is not a userid");
    }

    /** volumes lists each volume with its size, free space, largest free extent and groups. */
    @Test
    void volumesShowsFreeSpace() {
        int code = Main.run("zvm", "volumes", "--data", data.root().toString());

        assertThat(code).isZero();
        assertThat(out().lines()).containsExactly(
                "VOLSER  TYPE    UNIT           SIZE          FREE       LARGEST  GROUPS",
                "LX0000  3390    cyl            3339          1488          1488  -",
                "LX0001  3390    cyl           10017          8216          4877  LINUX");
    }

    /** directory check says a valid directory is valid, and lists each problem of a broken one with its line. */
    @Test
    void directoryCheckReportsProblemsWithLines() throws IOException {
        assertThat(Main.run("zvm", "directory", "check", data.directoryFile().toString())).isZero();
        assertThat(out()).contains("2 entries, 4 minidisks, valid");

        Path broken = dir.resolve("BROKEN.DIRECT");
        Files.writeString(broken, Files.readString(data.directoryFile()) + "USER LINUX002 PW\n MDISK 0200 3390 3400 10 LX0001 MR\n"
                + " LINK LNXMSTR 0192 0192 RR\n");
        int code = Main.run("zvm", "directory", "check", broken.toString(), "--data", data.root().toString());

        assertThat(code).isEqualTo(1);
        assertThat(out()).contains(broken + " line 9: OVERLAPPING_EXTENTS: LINUX002 MDISK 0200")
                .contains(broken + " line 10: LINK_VADDR_MISSING");
        assertThat(err()).contains("has 2 problems");
    }

    /** A statement that does not parse is reported with the file and line. */
    @Test
    void directoryCheckReportsParseErrorsWithFileAndLine() throws IOException {
        Path bad = Files.writeString(dir.resolve("BAD.DIRECT"), "USER A PW\n MDISK 0200 3390 x 10 V1 MR\n");

        assertThat(Main.run("zvm", "directory", "check", bad.toString())).isEqualTo(1);
        assertThat(err()).contains(bad + " line 2: MDISK: start cylinder 'x' is not a number");
    }

    /** add-volume creates the sparse image of the model's size and puts the volume in the group. */
    @Test
    void addVolumeCreatesTheImageAndTheRegion() throws IOException {
        int code = Main.run("zvm", "add-volume", "lx0002", "--model", "3390-09", "--group", "linux", "--data", data.root().toString());

        assertThat(code).isZero();
        assertThat(Files.size(data.volumeImage(Volser.of("LX0002")))).isEqualTo(10017L * 737_280);
        assertThat(data.readExtentControl().groups().get("LINUX").regionIds()).containsExactly("LX0001", "LX0002");
        assertThat(Main.run("zvm", "add-volume", "LX0002", "--blocks", "100000", "--data", data.root().toString())).isEqualTo(1);
        assertThat(err()).contains("exists already");
        assertThat(Main.run("zvm", "add-volume", "LX0003", "--model", "3390-7", "--data", data.root().toString())).isEqualTo(2);
    }
}
