package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clonefarm kafka start|status|stop} as a user runs them, each command its own JVM, against real
 * broker processes: three nodes serve topics replicated three times with min.insync.replicas 2, keep
 * taking writes with a node SIGKILLed, and {@code start} brings back only the dead node. Whatever a test
 * started is stopped after it, failed or not ({@code kafka stop}, then a sweep of every process whose
 * command line names the test's data directory).
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class KafkaClusterCommandsTest {
    private static final Pattern BOOTSTRAP = Pattern.compile("bootstrap\\.servers=(127\\.0\\.0\\.1:\\d+(,127\\.0\\.0\\.1:\\d+)*)");
    private static final Pattern STATUS = Pattern.compile("node=(\\d) pid=(\\d+|-) port=(\\d+) state=(running|stopped|not-ready)");

    @TempDir
    Path data;

    private int runs;

    @AfterEach
    void stopWhatTheTestStarted() throws Exception {
        KafkaClusterSweep.stopAndSweep(data);
    }

    @Test
    void threeBrokersReplicateTheTopicsSurviveAKilledNodeAndRestartOnlyIt() throws Exception {
        Run start = clonefarm("kafka", "start", "--data", data.toString(), "--brokers", "3");
        assertThat(start.code()).as(start.err()).isZero();
        String servers = bootstrap(start);
        assertThat(servers.split(",")).hasSize(3);
        assertThat(start.err()).contains("kafka: created topics").contains("(replication factor 3, min.insync.replicas 2)");

        // the brokers outlived the command that started them
        List<String[]> nodes = status();
        assertThat(nodes).hasSize(3).allSatisfy(n -> assertThat(n[3]).isEqualTo("running"));
        long killed = Long.parseLong(nodes.get(1)[1]);
        long first = Long.parseLong(nodes.get(0)[1]);
        long third = Long.parseLong(nodes.get(2)[1]);
        for (int node = 1; node <= 3; node++) {
            assertThat(data.resolve("kafka/node-" + node + "/broker.log")).isRegularFile();
            assertThat(data.resolve("kafka/node-" + node + "/pid")).isRegularFile();
        }

        KafkaSettings settings = KafkaSettings.of(servers);
        TopicLayout layout = TopicLayout.defaults();
        try (Admin admin = Admin.create(settings.admin("test"))) {
            Map<String, TopicDescription> topics = admin.describeTopics(layout.allTopics()).allTopicNames().get(30, TimeUnit.SECONDS);
            assertThat(topics).hasSize(5);
            assertThat(topics.values()).allSatisfy(topic -> assertThat(topic.partitions())
                    .allSatisfy(partition -> assertThat(partition.replicas()).hasSize(3)));
            for (String topic : layout.allTopics()) {
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                ConfigEntry minInsync = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS)
                        .get(resource).get("min.insync.replicas");
                assertThat(minInsync.value()).as(topic).isEqualTo("2");
            }

            // a topic made with fewer replicas than three brokers allow is reported, not taken as fine
            admin.createTopics(List.of(new NewTopic("thin.events", 12, (short) 1))).all().get(30, TimeUnit.SECONDS);
            TopicLayout.Reconciliation thin = TopicLayout.builder().prefix("thin.").build().reconcile(admin, 60_000);
            assertThat(thin.created()).hasSize(4).doesNotContain("thin.events");
            assertThat(thin.warnings()).containsExactly("topic thin.events has replication factor 1, lower than the 3"
                    + " this cluster of 3 brokers allows: a broker that fails takes records or the farm's progress with it;"
                    + " raise it with kafka-reassign-partitions.sh (docs/kafka.md)");
        }

        ProcessHandle.of(killed).orElseThrow().destroyForcibly(); // SIGKILL: no controlled shutdown
        await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(killed).isEmpty()
                || !ProcessHandle.of(killed).get().isAlive());
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(status()).extracting(n -> n[0] + " " + n[3])
                        .containsExactly("1 running", "2 stopped", "3 running"));

        // two of three replicas in sync is min.insync.replicas: an acks=all write is still acknowledged
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("test"))) {
            producer.send(new ProducerRecord<>(layout.events(), "LINUX001", new byte[] {1})).get(60, TimeUnit.SECONDS);
        }

        Run again = clonefarm("kafka", "start", "--data", data.toString());
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(bootstrap(again)).as("the ports are kept").isEqualTo(servers);
        assertThat(again.err()).contains("kafka: node 1 runs already (pid " + first + ")")
                .contains("kafka: node 3 runs already (pid " + third + ")")
                .contains("kafka: node 2 starting (pid ");
        List<String[]> restarted = status();
        assertThat(restarted).extracting(n -> n[3]).containsExactly("running", "running", "running");
        assertThat(restarted.get(0)[1]).isEqualTo(Long.toString(first));
        assertThat(restarted.get(2)[1]).isEqualTo(Long.toString(third));
        assertThat(restarted.get(1)[1]).isNotEqualTo(Long.toString(killed));

        // up --brokers 3 uses the running cluster, and leaves it running: it started none of its nodes
        Run up = clonefarmUntilAnnounced("up", "--data", data.toString(), "--brokers", "3", "--workers", "0",
                "--no-coordinator");
        assertThat(bootstrap(up)).isEqualTo(servers);
        assertThat(status()).extracting(n -> n[3]).containsExactly("running", "running", "running");

        Run stop = clonefarm("kafka", "stop", "--data", data.toString());
        assertThat(stop.code()).as(stop.err()).isZero();
        assertThat(stop.out()).contains("stopped nodes 1, 2, 3");
        assertThat(stop.err()).contains("kafka: stopping node 1 (pid " + first + ", SIGTERM)");
        assertThat(status()).extracting(n -> n[1] + " " + n[3]).containsExactly("- stopped", "- stopped", "- stopped");
        assertThat(Stream.of(first, third).map(ProcessHandle::of)).allSatisfy(h -> assertThat(h.isEmpty()
                || !h.get().isAlive()).isTrue());
    }

    @Test
    void anExistingClusterRefusesAnotherSizeAndUpRefusesBrokersWithAGivenCluster() throws Exception {
        Files.createDirectories(data.resolve("kafka"));
        Files.writeString(data.resolve("kafka/cluster.properties"), "cluster.id=AAAAAAAAAAAAAAAAAAAAAA\nbrokers=3\n"
                + "security=none\nnode.1.port=1\nnode.1.controller.port=2\nnode.2.port=3\nnode.2.controller.port=4\n"
                + "node.3.port=5\nnode.3.controller.port=6\n");
        CapturedRun other = CapturedRun.of("kafka", "start", "--data", data.toString(), "--brokers", "1");
        assertThat(other.code()).isEqualTo(1);
        assertThat(other.err()).contains("holds a cluster of 3 brokers").contains("--brokers 3");

        CapturedRun bad = CapturedRun.of("kafka", "start", "--data", data.toString(), "--security", "kerberos");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("security 'kerberos' is not one of: none, sasl-ssl");

        CapturedRun up = CapturedRun.of("up", "--data", data.toString(), "--brokers", "3", "--bootstrap-servers", "k1:9092");
        assertThat(up.code()).isEqualTo(2);
        assertThat(up.err()).contains("--brokers starts a local cluster");

        CapturedRun none = CapturedRun.of("kafka", "status", "--data", data.resolve("elsewhere").toString());
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err()).contains("there is no local Kafka cluster in " + data.resolve("elsewhere/kafka"))
                .contains("clonefarm kafka start --data");
    }

    private String bootstrap(Run run) {
        Matcher matcher = BOOTSTRAP.matcher(run.out());
        assertThat(matcher.find()).as("stdout: %s\nstderr: %s", run.out(), run.err()).isTrue();
        return matcher.group(1);
    }

    /** {@code kafka status}, in this JVM: [node, pid, port, state] per line. */
    private List<String[]> status() {
        CapturedRun run = CapturedRun.of("kafka", "status", "--data", data.toString());
        assertThat(run.code()).as(run.err()).isZero();
        List<String[]> nodes = new ArrayList<>();
        for (String line : run.out().lines().toList()) {
            Matcher matcher = STATUS.matcher(line);
            assertThat(matcher.matches()).as(line).isTrue();
            nodes.add(new String[] {matcher.group(1), matcher.group(2), matcher.group(3), matcher.group(4)});
        }
        return nodes;
    }

    record Run(int code, String out, String err) {
    }

    /** {@code clonefarm ARGS} in a JVM of its own, as from a shell, to its end. */
    private Run clonefarm(String... args) throws IOException, InterruptedException {
        Path out = data.resolve("run-" + (++runs) + ".out");
        Path err = data.resolve("run-" + runs + ".err");
        Process process = new ProcessBuilder(UpCommandTest.javaCommand(args))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("clonefarm " + String.join(" ", args) + " did not end in 5 minutes: "
                    + Files.readString(err));
        }
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** A long-running {@code clonefarm ARGS} until it prints its bootstrap line, then SIGTERM; it must exit 0. */
    private Run clonefarmUntilAnnounced(String... args) throws Exception {
        Path out = data.resolve("run-" + (++runs) + ".out");
        Path err = data.resolve("run-" + runs + ".err");
        Process process = new ProcessBuilder(UpCommandTest.javaCommand(args))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() ->
                    !process.isAlive() || Files.readString(out).contains("bootstrap.servers="));
            assertThat(process.isAlive()).as("clonefarm %s ended early: %s", String.join(" ", args),
                    Files.readString(err)).isTrue();
            process.destroy();
            assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
            assertThat(process.exitValue()).as(Files.readString(err)).isZero();
            return new Run(0, Files.readString(out), Files.readString(err));
        } finally {
            process.destroyForcibly();
        }
    }
}
