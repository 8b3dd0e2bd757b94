package org.clonefarm.platform.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.clonefarm.platform.io.BoundedFiles.FileTooLargeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole-file reads stop at their limit: a big file by its size, a device or FIFO after limit + 1 bytes. */
class BoundedFilesTest {
    private static final Duration FAST = Duration.ofSeconds(10);

    @Test
    void readsAFileOfExactlyTheLimit(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("spec.yaml");
        Files.writeString(file, "x".repeat(100));

        assertThat(BoundedFiles.readUtf8(file, 100, "spec file")).hasSize(100);
    }

    @Test
    void refusesARegularFileOverTheLimitNamingItsSizeAndTheLimit(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("spec.yaml");
        Files.write(file, new byte[5_000_001]);

        assertThatThrownBy(() -> BoundedFiles.readAllBytes(file, 1_048_576, "spec file"))
                .isInstanceOf(FileTooLargeException.class)
                .hasMessage("spec file " + file + " is 5,000,001 bytes, more than the limit of 1,048,576 bytes");
    }

    @Test
    void refusesDevZeroAfterReadingJustPastTheLimit() {
        Path zero = Path.of("/dev/zero");

        assertTimeoutPreemptively(FAST, () -> assertThatThrownBy(() -> BoundedFiles.readAllBytes(zero, 1_048_576, "spec file"))
                .isInstanceOf(FileTooLargeException.class)
                .hasMessage("spec file /dev/zero holds more than the limit of 1,048,576 bytes (it is not a regular"
                        + " file, so it was read up to the limit)"));
    }

    @Test
    void refusesAFifoWhoseWriterNeverStops(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("endless");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            byte[] chunk = new byte[65536];
            try (OutputStream out = Files.newOutputStream(fifo)) {
                while (true) {
                    out.write(chunk);
                }
            } catch (IOException broken) {
                // the reader closed the FIFO: that is the end we wait for
            }
        });

        assertTimeoutPreemptively(FAST, () -> assertThatThrownBy(() -> BoundedFiles.readAllBytes(fifo, 100_000, "NAMES file"))
                .isInstanceOf(FileTooLargeException.class)
                .hasMessageContaining("NAMES file " + fifo + " holds more than the limit of 100,000 bytes"));
        writer.get(FAST.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void refusesTextThatIsNotUtf8NamingTheByte(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("USER.DIRECT");
        Files.write(file, "USER A\n".getBytes(StandardCharsets.US_ASCII));
        Files.write(file, new byte[] {(byte) 0xC1, (byte) 0x40}, java.nio.file.StandardOpenOption.APPEND);

        assertThatThrownBy(() -> BoundedFiles.readUtf8(file, 1000, "directory file"))
                .hasMessage("directory file " + file + " is not UTF-8 text (byte 7 is not)");
    }
}
