package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code clonefarm cms} formats, fills, lists, prints and erases a CMS minidisk, and reports damage in one sentence. */
@Timeout(60)
class CmsCommandTest {

    @TempDir
    Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;
    private String minidisk;

    @BeforeEach
    void captureOutput() throws IOException {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.ISO_8859_1));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        Path volume = dir.resolve("VOL001.img");
        try (RandomAccessFile file = new RandomAccessFile(volume.toFile(), "rw")) {
            file.setLength(8L << 20);
        }
        minidisk = volume + ":1048576:2097152";
    }

    @AfterEach
    void restoreOutput() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    /** A file put on a minidisk inside a volume is listed, printed line by line and erased. */
    @Test
    void putListCatAndRemoveAFileOnAMinidiskInsideAVolume() throws IOException {
        assertThat(run("cms", "format", minidisk, "--blocksize", "1024", "--label", "mst191")).isZero();
        Path local = dir.resolve("profile.exec");
        Files.write(local, "/* first line */\n\nsay 'Grüße'\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(run("cms", "put", minidisk, local.toString(), "profile", "exec")).isZero();

        assertThat(run("cms", "ls", minidisk)).isZero();
        assertThat(text()).contains("Volume MST191 (CKD, 1024-byte blocks)")
                .containsPattern("PROFILE +EXEC +A1 V +16 +3 +1 \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");

        assertThat(run("cms", "cat", minidisk, "PROFILE", "EXEC")).isZero();
        assertThat(text()).isEqualTo("/* first line */\n \nsay 'Grüße'\n");

        assertThat(run("cms", "rm", minidisk, "profile", "exec")).isZero();
        assertThat(run("cms", "cat", minidisk, "PROFILE", "EXEC")).isEqualTo(1);
        assertThat(errors()).isEqualTo("clonefarm cms cat: File PROFILE EXEC is not on the CMS disk " + minidisk + ".\n");
    }

    /** F files print with the blanks that pad each record to LRECL, on an FBA disk. */
    @Test
    void catPrintsFixedRecordsWithTheirTrailingBlanks() throws IOException {
        assertThat(run("cms", "format", minidisk, "--blocksize", "4096", "--fba", "--label", "FBA")).isZero();
        Path local = dir.resolve("names");
        Files.writeString(local, ":nick.LINUX001 :ipaddr6.fd00::21\r\n:nick.LINUX002\n");
        assertThat(run("cms", "put", minidisk, local.toString(), "CLONES", "NAMES", "--recfm", "F", "--lrecl", "40"))
                .isZero();
        assertThat(run("cms", "cat", minidisk, "clones", "names")).isZero();
        assertThat(text()).isEqualTo(String.format("%-40s\n%-40s\n", ":nick.LINUX001 :ipaddr6.fd00::21", ":nick.LINUX002"));
    }

    /** A damaged image exits 1 with one clear sentence and no stack trace. */
    @Test
    void damagedImageExitsNonZeroWithOneSentence() throws IOException {
        assertThat(run("cms", "format", minidisk, "--blocksize", "512", "--label", "X")).isZero();
        try (RandomAccessFile file = new RandomAccessFile(dir.resolve("VOL001.img").toFile(), "rw")) {
            file.seek(1048576 + 1024 + 0x10); // ADTDOP of the CKD label in block 3
            file.writeInt(9);
        }
        assertThat(run("cms", "ls", minidisk)).isEqualTo(1);
        assertThat(errors()).isEqualTo("clonefarm cms ls: " + minidisk + " is not a usable CMS disk: volume label in"
                + " block 3: directory origin ADTDOP 9 is not 4 or 5.\n");
    }

    /** An unformatted image is named as not CMS formatted. */
    @Test
    void unformattedImageIsReportedAsNotCmsFormatted() {
        assertThat(run("cms", "ls", minidisk)).isEqualTo(1);
        assertThat(errors()).contains("the minidisk is not CMS formatted").doesNotContain("Exception");
    }

    /** Bad options are usage errors (exit 2); a line longer than LRECL is refused naming the line. */
    @Test
    void badOptionsAndOverlongLinesAreRefused() throws IOException {
        assertThat(run("cms", "format", minidisk, "--blocksize", "1000", "--label", "X")).isEqualTo(2);
        assertThat(errors()).contains("block size 1000 is not 512, 1024, 2048 or 4096");
        assertThat(run("cms", "format", minidisk, "--blocksize", "4096", "--label", "X")).isZero();
        Path local = dir.resolve("long.txt");
        Files.writeString(local, "short\n" + "x".repeat(81) + "\n");
        assertThat(run("cms", "put", minidisk, local.toString(), "LONG", "FILE", "--recfm", "F")).isEqualTo(1);
        assertThat(errors()).contains("Line 2 of " + local + " is 81 characters, longer than the record length 80");
        assertThat(run("cms", "put", minidisk, local.toString(), "BAD.NAME", "FILE")).isEqualTo(2);
    }

    private int run(String... args) {
        out.reset();
        err.reset();
        return Main.run(args);
    }

    private String text() {
        System.out.flush();
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private String errors() {
        System.err.flush();
        return err.toString(StandardCharsets.UTF_8);
    }
}
