package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.clonefarm.cli.SecuredClients.cause;
import static org.clonefarm.cli.SecuredClients.readFailure;
import static org.clonefarm.cli.SecuredClients.send;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.clonefarm.coordinator.state.BatchSummary;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.state.EventLogSnapshot;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CloneStatus;
import org.clonefarm.proto.DeadLetter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The farm on a secured cluster as a user deploys it: {@code clonefarm kafka start --brokers 3 --security
 * sasl-ssl}, then the coordinator, two workers, the operator's commands and the guest agents each on their own
 * principal's client file, every one its own process. A batch reaches READY and {@code verify} passes; each
 * access a least-privilege setup refuses is refused, and a person reads the refusal as one sentence: the
 * Kafka client's exception where a client is refused, the command's stderr line where a command is.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SecuredBatchTest {
    private static final Pattern PASSWORD = Pattern.compile("password=\"([^\"]+)\"");
    private static final TopicLayout TOPICS = TopicLayout.defaults();
    private static final String BATCH = "sec";
    private static final int CLONES = 4;

    @TempDir
    static Path dir;
    static Path data;

    /** The secured three-broker cluster (its operator made the topics) and the demo master, shared by the tests. */
    @BeforeAll
    static void securedClusterAndDemoMaster() throws Exception {
        data = dir.resolve("data");
        try (ChildProcesses clonefarm = new ChildProcesses(dir.resolve("setup"))) {
            assertThat(clonefarm.run("kafka-start", 300, "kafka", "start", "--data", data.toString(), "--brokers", "3",
                    "--security", "sasl-ssl")).as("kafka start: %s", clonefarm.err("kafka-start")).isZero();
            assertThat(clonefarm.run("master", 120, "master", "create-demo", "--data", data.toString()))
                    .as("master create-demo: %s", clonefarm.err("master")).isZero();
        }
    }

    /** Brokers stopped (killed if they must be), then every mount and loop device under the test's directory released. */
    @AfterAll
    static void nothingLeftBehind() throws Exception {
        List<String> left;
        try {
            KafkaClusterSweep.stopAndSweep(data);
        } finally {
            left = DemoClones.releaseHostResourcesUnder(dir);
        }
        assertThat(left).as("loop devices and mounts left behind (now released)").isEmpty();
    }

    @Test
    void everyCloneReachesReadyWithEachComponentOnItsOwnPrincipal() throws Exception {
        try (ChildProcesses clonefarm = new ChildProcesses(dir.resolve("batch"))) {
            clonefarm.start("coordinator", "coordinator", "--data", data.toString(),
                    "--kafka-config", file("coordinator"), "--guest-kafka-config", file("guest"),
                    "--http-port", "0", "--guest-concurrency", "2", "--boot-timeout", "300");
            clonefarm.awaitOutput("coordinator", "dashboard=", 180);
            for (String id : List.of("w1", "w2")) {
                clonefarm.start("worker-" + id, "worker", "--data", data.toString(), "--kafka-config", file("worker"),
                        "--id", id, "--max-clones", "2", "--http-port", "0", "--disk-access", "cp", "--simulated-zvm");
            }
            Path spec = dir.resolve("sec.yaml");
            Files.writeString(spec, DemoCommand.spec(BATCH, 1, CLONES, "rw-root"));
            assertThat(clonefarm.run("submit", 180, "submit", spec.toString(), "--data", data.toString(),
                    "--kafka-config", file("operator"))).as(clonefarm.err("submit")).isZero();

            KafkaSettings operator = SecuredClients.settings(data, "operator");
            BatchSummary done = awaitEveryCloneFinished(operator, clonefarm);
            assertThat(done.count(CloneState.CLONE_STATE_READY)).as(notReady(operator)).isEqualTo(CLONES);
            int verified = clonefarm.run("verify", 300, "verify", BATCH, "--data", data.toString(),
                    "--kafka-config", file("operator"));
            assertThat(verified).as(clonefarm.out("verify") + clonefarm.err("verify")).isZero();

            // every agent fact was the guests' principal's, signed and relayed: none dead-lettered
            assertThat(guestEventDeadLetters(operator)).isEmpty();
            // the agents got the guests' client file by its name: its password is on no command line and in no log
            String guestPassword = password(file("guest"));
            try (Stream<Path> logs = Stream.concat(Files.walk(data.resolve("run").resolve("guests")),
                    Files.walk(data.resolve("logs")))) {
                for (Path log : logs.filter(p -> p.toString().endsWith(".log")).toList()) {
                    assertThat(Files.readString(log)).as(log.toString()).doesNotContain(guestPassword);
                }
            }
            assertThat(Files.readString(data.resolve("run").resolve("guests").resolve("LINUX001.log")))
                    .contains("--kafka-config " + file("guest"));
        }
    }

    @Test
    void eachRefusalOfTheLeastPrivilegeSetupIsOneSentence() throws Exception {
        KafkaSettings guest = SecuredClients.settings(data, "guest");
        KafkaSettings worker = SecuredClients.settings(data, "worker");

        // the clients' own refusals: what an agent or a component on the wrong principal is told
        assertThat(readFailure(guest, TOPICS.events())).isInstanceOf(TopicAuthorizationException.class)
                .hasMessage("Not authorized to access topics: [clonefarm.events]");
        assertThat(cause(() -> send(guest, TOPICS.cloneRequests(), "LINUX099"))).isInstanceOf(TopicAuthorizationException.class)
                .hasMessage("Not authorized to access topics: [clonefarm.clone-requests]");
        assertThat(cause(() -> send(worker, TOPICS.status(), "LINUX099"))).isInstanceOf(TopicAuthorizationException.class)
                .hasMessage("Not authorized to access topics: [clonefarm.status]");

        // the commands' refusals: one line on stderr naming the principal, the cluster and what to do
        String cluster = "Kafka at " + SecuredClients.settings(data, "operator").bootstrapServers();
        Path wrongPassword = SecuredClients.withPassword(Path.of(file("operator")), "not-the-password",
                dir.resolve("wrong-password.properties"));
        Path otherCa = SecuredClients.trustingAnotherCa(Path.of(file("operator")), dir, dir.resolve("other-ca.properties"));
        Path spec = dir.resolve("guest.yaml");
        Files.writeString(spec, DemoCommand.spec("by-guest", 90, 1, "rw-root"));
        try (ChildProcesses clonefarm = new ChildProcesses(dir.resolve("refusals"))) {
            assertThat(refusal(clonefarm, "coordinator", "coordinator", "--data", data.toString(), "--kafka-config",
                    file("worker"), "--http-port", "0")).isEqualTo("clonefarm coordinator: User:worker of " + file("worker")
                    + " lacks WRITE on topic clonefarm.clone-requests; READ, WRITE on topic clonefarm.status; READ on topic"
                    + " clonefarm.guest-events; READ on group clonefarm.guest-relay on " + cluster + ", which the coordinator"
                    + " needs; start it with the coordinator's own client file (coordinator.properties of 'clonefarm kafka"
                    + " start'), or grant these ACLs (README.md, \"Run it on your Kafka\").");
            assertThat(refusal(clonefarm, 2, "guests-as-coordinator", "coordinator", "--data", data.toString(),
                    "--kafka-config", file("coordinator"), "--guest-kafka-config", file("coordinator"), "--http-port", "0"))
                    .isEqualTo("clonefarm coordinator: --guest-kafka-config " + file("coordinator") + " logs in as"
                    + " User:coordinator, the coordinator's own principal: every guest could then write the coordinator's"
                    + " topics; give the guests' own client file (guest.properties).");
            assertThat(refusal(clonefarm, "submit", "submit", spec.toString(), "--data", data.toString(), "--kafka-config",
                    file("guest"))).isEqualTo("clonefarm submit: " + cluster + " refused User:guest of " + file("guest")
                    + " access to topics clonefarm.clone-requests, clonefarm.events, clonefarm.status, clonefarm.dlq, which"
                    + " this command needs; run it with the client file of a principal that holds that ACL, or grant it"
                    + " (README.md, \"Run it on your Kafka\").");
            assertThat(refusal(clonefarm, "wrong-password", "status", "--data", data.toString(), "--kafka-config",
                    wrongPassword.toString())).isEqualTo("clonefarm status: " + cluster + " refused the SASL login of"
                    + " User:operator of " + wrongPassword + " (Authentication failed during authentication due to invalid"
                    + " credentials with SASL mechanism SCRAM-SHA-512); check the user name and password in its"
                    + " sasl.jaas.config.");
            assertThat(refusal(clonefarm, "other-ca", "status", "--data", data.toString(), "--kafka-config",
                    otherCa.toString())).isEqualTo("clonefarm status: the TLS handshake with " + cluster + " failed: the"
                    + " brokers' certificate is not signed by a certificate authority that ssl.truststore.location of "
                    + otherCa + " holds; give it the cluster's CA certificate (DATA/security/ca.pem of 'clonefarm kafka"
                    + " start').");
        }
    }

    private static String file(String principal) {
        return SecuredClients.file(data, principal).toString();
    }

    /** Runs a command that must be refused: exit 1, nothing on stdout, and one line on stderr, which is returned. */
    private static String refusal(ChildProcesses clonefarm, String name, String... args) throws Exception {
        return refusal(clonefarm, 1, name, args);
    }

    /** Runs a command that must be refused with exit code {@code exitCode} (2: bad usage); its one stderr line. */
    private static String refusal(ChildProcesses clonefarm, int exitCode, String name, String... args) throws Exception {
        int exit = clonefarm.run(name, 180, args);
        String err = clonefarm.err(name);
        assertThat(exit).as("exit code of %s; stderr: %s", name, err).isEqualTo(exitCode);
        assertThat(clonefarm.out(name)).as("stdout of %s", name).isEmpty();
        assertThat(err.lines().toList()).as("stderr of %s: one sentence, no log line or stack trace", name).hasSize(1);
        return err.strip();
    }

    private static BatchSummary awaitEveryCloneFinished(KafkaSettings operator, ChildProcesses clonefarm) {
        AtomicReference<BatchSummary> last = new AtomicReference<>();
        await("every clone of batch " + BATCH + " finished").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    BatchSummary summary = snapshot(operator).batch(BATCH);
                    last.set(summary);
                    assertThat(summary).as("batch %s; coordinator: %s", BATCH, clonefarm.err("coordinator")).isNotNull()
                            .matches(s -> s.clones() == CLONES && s.allFinished(), CLONES + " clones, all finished");
                });
        return last.get();
    }

    private static CloneStateStore snapshot(KafkaSettings operator) throws Exception {
        return EventLogSnapshot.read(operator, TOPICS, Duration.ofSeconds(60));
    }

    private static String notReady(KafkaSettings operator) throws Exception {
        StringBuilder text = new StringBuilder("clones not READY:");
        for (CloneStatus status : snapshot(operator).clonesOf(BATCH)) {
            if (status.getState() != CloneState.CLONE_STATE_READY) {
                text.append(' ').append(status.getUserid()).append('=').append(status.getState()).append('/')
                        .append(status.getLastError().getReason());
            }
        }
        return text.toString();
    }

    /** The reasons of the dead letters of records from the guests' topic, read on the operator's principal. */
    private static List<String> guestEventDeadLetters(KafkaSettings operator) throws Exception {
        List<String> reasons = new ArrayList<>();
        TopicSnapshot.read(operator, TOPICS.deadLetters(), "secured-batch-test", Duration.ofSeconds(60), record -> {
            try {
                DeadLetter letter = DeadLetter.parseFrom(record.value());
                if (letter.getTopic().equals(TOPICS.guestEvents())) {
                    reasons.add(letter.getKey().toStringUtf8() + ": " + letter.getReason());
                }
            } catch (InvalidProtocolBufferException e) {
                throw new AssertionError("a dead letter that does not parse", e);
            }
        });
        return reasons;
    }

    private static String password(String clientFile) throws IOException {
        Matcher matcher = PASSWORD.matcher(Files.readString(Path.of(clientFile)));
        assertThat(matcher.find()).as("a password in %s", clientFile).isTrue();
        return matcher.group(1);
    }
}
