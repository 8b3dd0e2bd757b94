package org.clonefarm.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A long-running command's log goes to DATA/logs with every detail; its terminal shows only our own warnings and
 * errors as sentences, or every line with --verbose. Reconfigures this JVM's logging and puts it back.
 */
class ProcessLoggingTest {
    private static final Logger OURS = LoggerFactory.getLogger("org.clonefarm.worker.service.PollLoop");
    private static final Logger KAFKA = LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient");
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Console console() {
        return new Console("clonefarm worker", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false, 0, System::nanoTime);
    }

    /** The file has our INFO lines, library warnings and stack traces; the terminal only our warning's first line. */
    @Test
    void theFileHasTheDetailAndTheTerminalOnlyOurProblemsAsSentences(@TempDir Path data) throws Exception {
        Path file;
        try (ProcessLogging.ProcessLog log = ProcessLogging.toFile(data, "worker-w1", false, console())) {
            file = log.file();
            OURS.info("copying clone LINUX001 attempt 1");
            KAFKA.warn("Connection to node 1 could not be established");
            OURS.warn("commit failed for LINUX002\nsecond line of the reply", new IllegalStateException("broker gone"));
            LoggerFactory.getLogger("org.apache.kafka.clients.producer.ProducerConfig").info("ProducerConfig values: ...");
        }
        OURS.info("after the command ended");

        assertThat(file).isEqualTo(data.resolve("logs").resolve("clonefarm-worker-w1.log"));
        String written = Files.readString(file);
        assertThat(written).contains("INFO  [", "PollLoop - copying clone LINUX001 attempt 1",
                "WARN  [", "NetworkClient - Connection to node 1 could not be established",
                "commit failed for LINUX002\nsecond line of the reply", "java.lang.IllegalStateException: broker gone",
                "\tat org.clonefarm.cli.console.ProcessLoggingTest")
                .doesNotContain("ProducerConfig values").doesNotContain("after the command ended");
        assertThat(err.toString(StandardCharsets.UTF_8).lines())
                .containsExactly("clonefarm worker: warning: commit failed for LINUX002");
    }

    /** With --verbose the terminal shows every line of the file, libraries' included. */
    @Test
    void verboseShowsTheLogOnTheTerminalToo(@TempDir Path data) throws Exception {
        try (ProcessLogging.ProcessLog log = ProcessLogging.toFile(data, "up", true, console())) {
            OURS.info("copying clone LINUX001 attempt 1");
            KAFKA.warn("Connection to node 1 could not be established");
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).containsPattern(
                "\\d{2}:\\d{2}:\\d{2}\\.\\d{3} INFO  \\[[^]]+\\] PollLoop - copying clone LINUX001 attempt 1")
                .contains("WARN  [", "NetworkClient - Connection to node 1 could not be established");
    }

    /** A full log file is rolled to clonefarm-NAME.1.log, .2.log, ...; only a few old files are kept. */
    @Test
    void aFullFileIsRolledKeepingAFewOldOnes(@TempDir Path data) throws Exception {
        String line = "x".repeat(4096);
        try (ProcessLogging.ProcessLog log = ProcessLogging.toFile(data, "demo", false, console())) {
            // 10 MB per file: well past four files' worth
            for (int i = 0; i < 12_000; i++) {
                OURS.info("{} {}", i, line);
            }
        }
        try (var files = Files.list(data.resolve("logs"))) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted().toList()).containsExactly(
                    "clonefarm-demo.1.log", "clonefarm-demo.2.log", "clonefarm-demo.3.log", "clonefarm-demo.log");
        }
        assertThat(Files.size(data.resolve("logs/clonefarm-demo.1.log"))).isLessThan(12L << 20);
    }
}
