package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.clonefarm.platform.directory.UserDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that reads a whole file a user names refuses one past its limit in one sentence,
 * without a stack trace and without reading it (a regular file) or reading it forever (/dev/zero).
 */
class BoundedInputsTest {
    private static final Duration QUICKLY = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private static CapturedRun run(String... args) {
        return assertTimeoutPreemptively(QUICKLY, () -> CapturedRun.of(args));
    }

    /** A file of this size that takes no space: the commands must refuse it by its size. */
    private Path sparse(String name, long bytes) throws IOException {
        Path file = dir.resolve(name);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(bytes);
        }
        return file;
    }

    @Test
    void planRefusesDevZeroAsASpecInOneSentence() {
        CapturedRun plan = run("plan", "/dev/zero", "--data", dir.toString());

        assertThat(plan.code()).isEqualTo(2);
        assertThat(plan.err()).isEqualTo("clonefarm plan: spec file /dev/zero holds more than the limit of 1,048,576 bytes"
                + " (it is not a regular file, so it was read up to the limit); a spec lists its clones as ranges and"
                + " needs far less: check the path, or split the batch" + System.lineSeparator());
    }

    @Test
    void submitRefusesA50MegabyteSpecBySize() throws IOException {
        Path spec = sparse("big.yaml", 50_000_000);

        CapturedRun submit = run("submit", spec.toString(), "--data", dir.resolve("data").toString());

        assertThat(submit.code()).isEqualTo(2);
        assertThat(submit.err()).startsWith("clonefarm submit: spec file " + spec + " is 50,000,000 bytes, more than the"
                + " limit of 1,048,576 bytes;").doesNotContain("Exception");
    }

    @Test
    void planShowsASpecProblemOfASecondDocumentWithItsLine() throws IOException {
        Path spec = dir.resolve("two.yaml");
        Files.writeString(spec, "batch: a\n---\nbatch: b\n");
        Files.createDirectories(dir.resolve("data/directory"));
        Files.writeString(dir.resolve("data/directory/USER.DIRECT"), "");

        CapturedRun plan = run("plan", spec.toString(), "--data", dir.resolve("data").toString());

        assertThat(plan.code()).isNotZero();
        assertThat(plan.err()).contains("line 3, (YAML): starts a second YAML document").doesNotContain("Exception");
    }

    @Test
    void directoryCheckRefusesADirectoryFileOverItsLimit() throws IOException {
        Path directory = sparse("USER.DIRECT", UserDirectory.MAX_FILE_BYTES + 1L);

        CapturedRun check = run("zvm", "directory", "check", directory.toString());

        assertThat(check.code()).isEqualTo(1);
        assertThat(check.err()).isEqualTo(String.format("clonefarm zvm directory check: directory file %s is %,d bytes,"
                + " more than the limit of %,d bytes; give the path of a USER DIRECT file.%n", directory,
                UserDirectory.MAX_FILE_BYTES + 1L, UserDirectory.MAX_FILE_BYTES));
    }

    @Test
    void planRefusesAnExtentControlOverItsLimit() throws IOException {
        Path spec = dir.resolve("spec.yaml");
        Files.writeString(spec, "batch: a\n");
        Path directory = dir.resolve("USER.DIRECT");
        Files.writeString(directory, "");
        Path control = sparse("EXTENT.CONTROL", 100_000_000);

        CapturedRun plan = run("plan", spec.toString(), "--directory", directory.toString(), "--extent-control",
                control.toString(), "--data", dir.toString());

        assertThat(plan.code()).isEqualTo(1);
        assertThat(plan.err()).isEqualTo("clonefarm plan: EXTENT CONTROL file " + control + " is 100,000,000 bytes, more"
                + " than the limit of 16,777,216 bytes; give the directory extract and EXTENT CONTROL of the system."
                + System.lineSeparator());
    }

    @Test
    void cmsPutRefusesDevZeroAsItsLocalFile() throws IOException {
        Path image = sparse("cms.img", 4 * 1024 * 1024);
        assertThat(run("cms", "format", image.toString(), "--blocksize", "4096", "--label", "LNX191").code()).isZero();

        CapturedRun put = run("cms", "put", image.toString(), "/dev/zero", "LINUX", "NAMES");

        assertThat(put.code()).isEqualTo(1);
        assertThat(put.err()).isEqualTo("clonefarm cms put: Local file /dev/zero holds more than the limit of 67,108,864"
                + " bytes (it is not a regular file, so it was read up to the limit); put copies text files such as NAMES"
                + " or EXEC files." + System.lineSeparator());
    }
}
