package org.clonefarm.platform.cms;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clonefarm.platform.io.FileRegion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer killed (SIGKILL) while it replaces files leaves a disk that opens and whose files read
 * back whole, in their old or new version: never a mix, never a damaged structure.
 */
@Timeout(120)
class EdfKilledWriterTest {

    private static final CmsFileId FILE = CmsFileId.of("DATA", "FILE");
    private static final int RECORDS = 3000;

    @TempDir
    Path dir;

    /** Kill a replacing writer at several moments; each time the disk reads back a whole version. */
    @Test
    void killedWriterLeavesTheOldOrTheNewVersion() throws Exception {
        Path image = dir.resolve("killed.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(8L << 20);
        }
        try (EdfFileSystem fs = EdfFileSystem.format(FileRegion.whole(image), 1024, DiskLayout.CKD, "KILL")) {
            fs.write(FILE, RecordFormat.V, 0, version(0));
        }
        List<Byte> versions = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), ReplacingWriter.class.getName(), image.toString())
                    .redirectErrorStream(true).start();
            try {
                BufferedReader output = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
                assertThat(output.readLine()).isEqualTo("writing");
                // wait for a first whole replacement, however loaded the machine: the kill must hit a
                // writer that is running, not one still starting
                assertThat(output.readLine()).isEqualTo("replaced once");
                Thread.sleep(5L + 30L * round);
                writer.destroyForcibly();
                assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                writer.destroyForcibly();
            }
            try (EdfFileSystem fs = EdfFileSystem.open(FileRegion.whole(image))) {
                List<byte[]> records = fs.readRecords(FILE);
                assertThat(records).hasSize(RECORDS);
                byte first = records.get(0)[0];
                assertThat(records).as("round %d: one whole version", round)
                        .allSatisfy(record -> assertThat(record).containsOnly(first));
                assertThat(fs.list()).hasSizeLessThanOrEqualTo(2);
                versions.add(first);
            }
        }
        // the writer got far enough to replace the file: the kills hit a running writer, not a starting one
        assertThat(versions).as("versions seen after each kill").anySatisfy(v -> assertThat(v).isNotEqualTo((byte) 0));
    }

    /** Version {@code v} of the file: every byte of every record is {@code v}, lengths vary with v. */
    static List<byte[]> version(int v) {
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            byte[] record = new byte[1 + (i * 7 + v * 13) % 50];
            Arrays.fill(record, (byte) v);
            records.add(record);
        }
        return records;
    }

    /** The child process: replaces DATA FILE (and writes and erases a second file) until killed. */
    public static final class ReplacingWriter {
        public static void main(String[] args) throws IOException {
            System.out.println("writing");
            System.out.flush();
            try (EdfFileSystem fs = EdfFileSystem.openForUpdate(FileRegion.whole(Path.of(args[0])))) {
                for (int v = 1; ; v = v % 100 + 1) {
                    fs.write(FILE, RecordFormat.V, 0, version(v));
                    fs.write(CmsFileId.of("OTHER", "FILE"), RecordFormat.F, 80, List.of(new byte[80]));
                    fs.erase(CmsFileId.of("OTHER", "FILE"));
                    if (v == 1) {
                        System.out.println("replaced once");
                        System.out.flush();
                    }
                }
            }
        }
    }
}
