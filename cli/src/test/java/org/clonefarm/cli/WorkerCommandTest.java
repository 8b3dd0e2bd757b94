package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.testsupport.CloneBatchFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code clonefarm worker}'s options and errors, and {@code clonefarm up --workers}. */
class WorkerCommandTest {
    private static final Pattern BOOTSTRAP = Pattern.compile("bootstrap\\.servers=(\\S+)");
    private Process process;

    @AfterEach
    void killLeftovers() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** --help names and explains every option of the worker. */
    @Test
    void helpExplainsEveryOption() {
        Result result = run("worker", "--help");
        assertThat(result.code()).isZero();
        assertThat(result.out()).contains("--bootstrap-servers", "--kafka-config", "--data", "--id", "--max-clones",
                "--http-port", "--group", "--chunk-mib", "--parallel", "--checkpoint-mib", "--io", "--verify",
                "SIGTERM", "checkpoint");
    }

    /** A bad --max-clones fails at once with usage exit code 2, naming the option and the range. */
    @Test
    void maxClonesOutOfRangeFailsNamingTheOption(@TempDir Path data) {
        Result result = run("worker", "--data", data.toString(), "--max-clones", "0");
        assertThat(result.code()).isEqualTo(2);
        assertThat(result.err()).contains("--max-clones").contains("1 to 64");
    }

    /** Without --bootstrap-servers and with no 'clonefarm up' on the data directory, it says what to do. */
    @Test
    void withoutAClusterItSaysToStartUpOrGiveOne(@TempDir Path data) {
        Result result = run("worker", "--data", data.toString());
        assertThat(result.code()).isEqualTo(2);
        assertThat(result.err()).contains("--bootstrap-servers").contains("clonefarm up");
    }

    /** 'clonefarm up --workers 1' copies a clone request with its in-process worker and still exits 0 on SIGTERM. */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void upWithWorkersCopiesARequest(@TempDir Path data) throws Exception {
        CloneBatchFixture batch = CloneBatchFixture.create(data, "up-batch", 2, new long[] {2 << 20, 1 << 20}, 3);
        process = new ProcessBuilder(UpCommandTest.javaCommand("up", "--data", data.toString(), "--workers", "1"))
                .redirectError(data.resolve("up.err").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String announced = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(60, TimeUnit.SECONDS);
        assertThat(announced).as("stderr: %s", Files.readString(data.resolve("up.err"))).contains("bootstrap.servers=");
        Matcher matcher = BOOTSTRAP.matcher(announced);
        assertThat(matcher.find()).isTrue();
        String servers = matcher.group(1);
        TopicLayout topics = TopicLayout.defaults();
        FarmKey farmKey = FarmKey.load(FarmKey.defaultFile(data)); // made by 'up' for its coordinator and workers
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaSettings.of(servers).producer("test"))) {
            batch.publishPlan(producer, topics.events());
            for (CloneRequest request : batch.requests()) {
                producer.send(EventPublisher.signedRequest(topics, request, farmKey));
            }
        }
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(300)).until(() -> {
            List<CloneEvent> events = TopicSnapshot.events(KafkaSettings.of(servers), topics.events(), "events-reader",
                    Duration.ofSeconds(30));
            return events.stream().filter(e -> e.getFactCase() == CloneEvent.FactCase.CLONE_COPIED)
                    .map(CloneEvent::getUserid).distinct().count() == 2;
        });
        assertThat(batch.mismatchedDisks()).isEmpty();
        assertThat(CopyRate.measured(data)).as("copy rate recorded for 'clonefarm plan'").isPresent();

        process.destroy(); // SIGTERM
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).as("exits within 15 s of SIGTERM").isTrue();
        assertThat(process.exitValue()).as("stderr: %s", Files.readString(data.resolve("up.err"))).isZero();
    }
}
