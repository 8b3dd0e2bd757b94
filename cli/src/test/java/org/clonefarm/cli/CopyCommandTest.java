package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code clonefarm copy} as a user runs it: the JSON result line, resume on rerun, refusals, help. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CopyCommandTest {
    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private static synchronized Run clonefarm(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private Path randomFile(String name, int bytes) throws IOException {
        byte[] data = new byte[bytes];
        new Random(bytes).nextBytes(data);
        return Files.write(dir.resolve(name), data);
    }

    /** The last line is one JSON object with the documented keys; rerunning the same command skips everything. */
    @Test
    void printsTheResultAsJsonAndARerunResumesFromCheckpoints() throws Exception {
        Path src = randomFile("master.img", 3 * 1024 * 1024 + 17);
        Path dst = dir.resolve("clone.img");
        String checkpoints = dir.resolve("ck").toString();

        Run first = clonefarm("copy", "--checkpoint-dir", checkpoints, "--chunk-mib", "1", src.toString(), dst.toString());

        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
        assertThat(first.lastLine()).startsWith("{\"copy_id\":\"copy-").endsWith("}")
                .contains("\"bytes_total\":3145745", "\"bytes_written\":3145745", "\"bytes_skipped_checkpoint\":0",
                        "\"bytes_skipped_zero\":0", "\"bytes_skipped_compare\":0", "\"wall_s\":", "\"mib_per_s\":",
                        "\"digest\":\"", "\"bytes_source_holes\":0,", "\"bytes_shared\":0,",
                        "\"digest_algorithm\":\"crc32c+crc32\"", "\"cpu_s\":", "\"phase_cpu_s\":{\"read\":",
                        "\"hash\":", "\"zero_scan\":", "\"write\":", "\"force\":", "\"checkpoint\":", "\"phase_wall_s\":{");
        Run again = clonefarm("copy", "--checkpoint-dir", checkpoints, "--chunk-mib", "1", src.toString(), dst.toString());
        assertThat(again.lastLine()).contains("\"bytes_written\":0", "\"bytes_skipped_checkpoint\":3145745");
        assertThat(digest(again.lastLine())).isEqualTo(digest(first.lastLine()));
    }

    /**
     * Several targets are one fan-out: every target is copied, one JSON line each in the order given (with its
     * target), the source's bytes read once in all; a rerun resumes each from its own checkpoints.
     */
    @Test
    void severalTargetsAreOneFanOutWithOneLinePerTarget() throws Exception {
        int size = 3 * 1024 * 1024;
        Path src = randomFile("master.img", size);
        List<String> targets = List.of(dir.resolve("a.img").toString(), dir.resolve("b.img").toString(),
                dir.resolve("c.img").toString());
        String checkpoints = dir.resolve("ck").toString();
        List<String> command = new java.util.ArrayList<>(List.of("copy", "--checkpoint-dir", checkpoints,
                "--chunk-mib", "1", src.toString()));
        command.addAll(targets);

        Run first = clonefarm(command.toArray(String[]::new));
        Run again = clonefarm(command.toArray(String[]::new));

        assertThat(first.exitCode()).as(first.err()).isZero();
        List<String> lines = first.out().lines().filter(l -> l.startsWith("{")).toList();
        assertThat(lines).hasSize(3);
        long read = 0;
        for (int i = 0; i < 3; i++) {
            assertThat(lines.get(i)).contains("\"target\":\"" + targets.get(i) + "\"", "\"bytes_written\":" + size);
            assertThat(digest(lines.get(i))).isEqualTo(digest(lines.get(0)));
            assertThat(Files.mismatch(src, Path.of(targets.get(i)))).isEqualTo(-1);
            read += Long.parseLong(lines.get(i).replaceAll(".*\"bytes_read_source\":(\\d+).*", "$1"));
        }
        assertThat(read).as("source bytes read for three targets").isEqualTo(size);
        assertThat(again.out().lines().filter(l -> l.startsWith("{")).toList())
                .allSatisfy(line -> assertThat(line).contains("\"bytes_written\":0", "\"bytes_skipped_checkpoint\":" + size));
    }

    /** {@code --copy-id} names one copy: with several targets it is a usage error. */
    @Test
    void aCopyIdWithSeveralTargetsIsAUsageError() {
        Run run = clonefarm("copy", "--copy-id", "x", "a.img", "b.img", "c.img");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--copy-id", "2 targets");
    }

    /**
     * {@code --digest sha256} makes the documented SHA-256 disk digest; a rerun with the other algorithm does
     * not mix the two kinds: it starts over and says so, with the option that would have continued.
     */
    @Test
    void theDigestOptionChoosesTheAlgorithmAndAnotherOneStartsOver() throws Exception {
        Path src = randomFile("master.img", 2 * 1024 * 1024);
        Path dst = dir.resolve("clone.img");
        String checkpoints = dir.resolve("ck").toString();

        Run sha = clonefarm("copy", "--checkpoint-dir", checkpoints, "--chunk-mib", "1", "--digest", "sha256",
                src.toString(), dst.toString());
        Run crc = clonefarm("copy", "--checkpoint-dir", checkpoints, "--chunk-mib", "1", "--digest", "CRC32C+CRC32",
                src.toString(), dst.toString());

        assertThat(sha.exitCode()).as(sha.err()).isZero();
        assertThat(sha.lastLine()).contains("\"digest_algorithm\":\"sha256\"");
        java.security.MessageDigest disk = java.security.MessageDigest.getInstance("SHA-256");
        byte[] bytes = Files.readAllBytes(src);
        for (int at = 0; at < bytes.length; at += 1024 * 1024) {
            disk.update(java.security.MessageDigest.getInstance("SHA-256").digest(
                    java.util.Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + 1024 * 1024))));
        }
        assertThat(digest(sha.lastLine())).isEqualTo(java.util.HexFormat.of().formatHex(disk.digest()));
        assertThat(crc.exitCode()).as(crc.err()).isZero();
        assertThat(crc.lastLine()).contains("\"digest_algorithm\":\"crc32c+crc32\"", "\"bytes_skipped_checkpoint\":0,");
        assertThat(crc.err()).contains("sha256 digests", "starting over", "--digest sha256");
        assertThat(digest(crc.lastLine())).isNotEqualTo(digest(sha.lastLine()));
        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
    }

    /** An unknown digest algorithm is a usage error (exit 2) naming the ones there are. */
    @Test
    void anUnknownDigestIsAUsageError() {
        Run run = clonefarm("copy", "--digest", "md5", "a.img", "b.img");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--digest", "md5", "sha256", "crc32c+crc32");
    }

    /** A copy terminated (SIGTERM) mid-way resumes from its checkpoints when the same command runs again. */
    @Test
    void terminatedCopyResumesWhenTheSameCommandRunsAgain() throws Exception {
        Path src = randomFile("master.img", 96 * 1024 * 1024);
        Path dst = dir.resolve("clone.img");
        String[] command = {"copy", "--checkpoint-dir", dir.resolve("ck").toString(), "--chunk-mib", "1",
            "--checkpoint-mib", "2", "--parallel", "1", "--progress", "always", src.toString(), dst.toString()};
        java.util.List<String> childCommand = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        childCommand.addAll(java.util.List.of(command));
        Process child = new ProcessBuilder(childCommand).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            // the first progress report comes after the first checkpoint
            assertThat(child.getErrorStream().read()).isEqualTo('\r');
            child.destroy(); // SIGTERM: the shutdown hook cancels and waits for the last checkpoint
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }

        Run again = clonefarm(command);

        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.lastLine()).doesNotContain("\"bytes_skipped_checkpoint\":0,");
        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
    }

    /** A refused copy exits non-zero with the reason in a sentence, no stack trace, and writes nothing. */
    @Test
    void aRefusedCopyExitsNonZeroWithTheNumbers() throws Exception {
        Path src = randomFile("master.img", 1024 * 1024);

        Run run = clonefarm("copy", "--checkpoint-dir", dir.resolve("ck").toString(), src + ":0:2097152",
                dir.resolve("clone.img").toString());

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.err()).contains("shorter than declared", "2097152", "1048576").doesNotContain("\tat ");
        assertThat(dir.resolve("clone.img")).doesNotExist();
    }

    /** A bad option value is a usage error (exit 2) naming the option and its range. */
    @Test
    void aChunkSizeOutOfRangeIsAUsageError() {
        Run run = clonefarm("copy", "--chunk-mib", "1000", "a.img", "b.img");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--chunk-mib", "1 to 256");
    }

    /** A negative offset is a usage error (exit 2) in one sentence, never part of a file name. */
    @Test
    void aNegativeOffsetIsAUsageErrorNotAFileName() throws Exception {
        Path src = randomFile("master.img", 64 * 1024);

        Run run = clonefarm("copy", "--no-checkpoint", src.toString(), dir.resolve("clone.img") + ":-4096");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).isEqualTo("clonefarm copy: DST: offset '-4096' in file region '"
                + dir.resolve("clone.img") + ":-4096' is negative: offsets and lengths are byte counts of 0 or more.");
        assertThat(dir.resolve("clone.img:-4096")).doesNotExist();
        assertThat(dir.resolve("clone.img")).doesNotExist();
    }

    /** An offset that is not a number is a usage error (exit 2) with the way to write a name with a colon. */
    @Test
    void anOffsetThatIsNotANumberIsAUsageErrorNotAFileName() throws Exception {
        Path src = randomFile("master.img", 64 * 1024);
        String target = dir.resolve("clone.img") + ":4k";

        Run run = clonefarm("copy", "--no-checkpoint", src.toString(), target);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).isEqualTo("clonefarm copy: DST: '4k' in '" + target + "' is not an offset in bytes"
                + " and no file has that whole name; write " + target + ":0 if the name really holds a colon.");
        assertThat(dir.resolve("clone.img:4k")).doesNotExist();
        assertThat(run.err()).doesNotContain("\tat ");
    }

    /**
     * A copy that fails (here: the file size limit of the shell, {@code ulimit -f}, stops the target
     * from growing) removes the target file it created, and leaves a target that existed before as it was.
     */
    @Test
    void aFailedCopyRemovesTheTargetItCreatedButNeverOneThatExisted() throws Exception {
        Path src = randomFile("master.img", 256 * 1024);
        Path existing = Files.writeString(dir.resolve("existing.img"), "keep me");
        Path created = dir.resolve("new.img");

        Process onExisting = limitedCopy(src, existing);
        Process onNew = limitedCopy(src, created);

        assertThat(onExisting.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(onExisting.exitValue()).isEqualTo(1);
        assertThat(existing).hasContent("keep me");
        assertThat(onNew.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String err = new String(onNew.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(onNew.exitValue()).as(err).isEqualTo(1);
        assertThat(err).contains("clonefarm copy: copy io: cannot open or extend " + created,
                "The target file this copy created was removed, as no chunk of it was checkpointed; run the same"
                + " command again once the cause is fixed.")
                .doesNotContain("\tat ");
        assertThat(created).doesNotExist();
    }

    /** {@code clonefarm copy --no-checkpoint SRC DST} in a child JVM under {@code ulimit -f 64} (32 KiB): the target cannot grow to the source's size. */
    private Process limitedCopy(Path src, Path target) throws IOException {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("sh", "-c",
                "ulimit -f 64 && exec \"$0\" \"$@\"", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "copy", "--progress", "never",
                "--no-checkpoint", src.toString(), target.toString())); // RocksDB's native library would not unpack under the limit
        return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** --help explains every option of the command. */
    @Test
    void helpExplainsEveryOption() {
        Run run = clonefarm("copy", "--help");

        assertThat(run.exitCode()).isZero();
        for (String option : new String[] {"--checkpoint-dir", "--no-checkpoint", "--copy-id", "--chunk-mib",
                "--parallel", "--checkpoint-mib", "--verify", "--target-zeroed", "--resume-by-compare", "--io",
                "--digest", "--no-reflink", "--progress", "SRC", "DST"}) {
            assertThat(run.out()).contains(option);
        }
    }

    private static String digest(String json) {
        int at = json.indexOf("\"digest\":\"") + 10;
        return json.substring(at, json.indexOf('"', at));
    }
}
