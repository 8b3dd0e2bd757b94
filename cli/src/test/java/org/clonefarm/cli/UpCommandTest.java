package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.clonefarm.messaging.KafkaSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code clonefarm up} as a user runs it: a separate process, its announcement line, its log file, a clean SIGTERM. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class UpCommandTest {
    private static final Pattern BOOTSTRAP = Pattern.compile("bootstrap\\.servers=(\\S+)");
    private Process process;

    @AfterEach
    void killLeftovers() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void announcesBootstrapServersServesTheTopicsAndExitsZeroOnSigterm(@TempDir Path data) throws Exception {
        process = new ProcessBuilder(javaCommand("up", "--data", data.toString()))
                .redirectError(data.resolve("up.err").toFile())
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String announced = line.get(60, TimeUnit.SECONDS);
        assertThat(announced).as("stderr: %s", Files.readString(data.resolve("up.err")))
                .contains("bootstrap.servers=").contains(data.toString());
        Matcher matcher = BOOTSTRAP.matcher(announced);
        assertThat(matcher.find()).isTrue();

        try (Admin admin = Admin.create(KafkaSettings.of(matcher.group(1)).admin("probe"))) {
            Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertThat(topics).contains("clonefarm.clone-requests", "clonefarm.events", "clonefarm.status", "clonefarm.dlq");
        }

        long start = System.nanoTime();
        process.destroy(); // SIGTERM
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("exits within 10 s of SIGTERM").isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        // the terminal has what starts and where; the log lines are in DATA/logs
        String err = Files.readString(data.resolve("up.err"));
        assertThat(err).contains("clonefarm up: log in " + data.resolve("logs").resolve("clonefarm-up.log"),
                "clonefarm up: SIGTERM received, shutting down").doesNotContainPattern("\\b(INFO|WARN|ERROR)\\b");
        assertThat(data.resolve("logs").resolve("clonefarm-up.log")).content()
                .contains("EmbeddedKafka - embedded Kafka broker serves", "CoordinatorHttpServer - HTTP API and dashboard on");
    }

    @Test
    void portOutsideTheRangeFailsAtOnceNamingTheOption() {
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "up", "--kafka-port", "70000");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--kafka-port").contains("70000").doesNotContain("Exception");
    }

    @Test
    void unwritableDataDirectoryFailsAtOnceNamingTheOption(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err),
                "up", "--data", file.resolve("sub").toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--data").contains(file.resolve("sub").toString());
    }

    /** The command line of a child JVM running {@link Main} from the test class path. */
    static List<String> javaCommand(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        return command;
    }
}
