package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.clonefarm.cli.SecuredClients.cause;
import static org.clonefarm.cli.SecuredClients.readFailure;
import static org.clonefarm.cli.SecuredClients.send;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.clonefarm.coordinator.service.GuestFactRelay;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.messaging.CloneKey;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.GuestEventSignature;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.proto.AgentStarted;
import org.clonefarm.proto.CloneCopied;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.ClonePlanned;
import org.clonefarm.proto.DeadLetter;
import org.clonefarm.proto.GuestStarted;
import org.clonefarm.proto.Ready;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clonefarm kafka start --security sasl-ssl} on three broker processes: each principal's client
 * file works as {@code --kafka-config} for what that principal may do and nothing else (the coordinator's
 * guest fact relay included: it reads the guests' topic in its group and relays in transactions), and a wrong
 * password or a CA the cluster's certificates are not from is refused, each with the exception and the
 * sentence a user sees.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class SecuredKafkaClusterTest {
    private static final Pattern BOOTSTRAP = Pattern.compile("bootstrap\\.servers=(\\S+)");
    private static final TopicLayout TOPICS = TopicLayout.defaults();

    @TempDir
    Path data;

    @AfterEach
    void stopWhatTheTestStarted() throws Exception {
        KafkaClusterSweep.stopAndSweep(data);
    }

    @Test
    void eachPrincipalMayDoOnlyItsPartAndStrangersAreRefused() throws Exception {
        Path out = data.resolve("start.out");
        Path err = data.resolve("start.err");
        Process start = new ProcessBuilder(UpCommandTest.javaCommand("kafka", "start", "--data", data.toString(),
                "--brokers", "3", "--security", "sasl-ssl")).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(start.waitFor(5, TimeUnit.MINUTES)).as("kafka start ends").isTrue();
        assertThat(start.exitValue()).as(Files.readString(err)).isZero();
        Matcher bootstrap = BOOTSTRAP.matcher(Files.readString(out));
        assertThat(bootstrap.find()).isTrue();
        assertThat(Files.readString(err)).contains("kafka: created topics");

        Path security = data.resolve("security");
        for (String principal : List.of("coordinator", "worker", "guest", "operator")) {
            Path file = security.resolve(principal + ".properties");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(file.toString())
                    .isEqualTo("rw-------");
            assertThat(load(file)).containsEntry("bootstrap.servers", bootstrap.group(1))
                    .containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                    .containsEntry("ssl.endpoint.identification.algorithm", "https");
        }
        assertThat(Files.readString(security.resolve("ca.pem"))).startsWith("-----BEGIN CERTIFICATE-----\n");

        KafkaSettings operator = SecuredClients.settings(data, "operator");
        KafkaSettings coordinator = SecuredClients.settings(data, "coordinator");
        KafkaSettings worker = SecuredClients.settings(data, "worker");
        KafkaSettings guest = SecuredClients.settings(data, "guest");

        // the operator made the topics; it alone may create, the services may not
        try (Admin admin = Admin.create(operator.admin("operator"))) {
            assertThat(admin.listTopics().names().get(60, TimeUnit.SECONDS)).containsAll(TOPICS.allTopics());
            admin.createTopics(List.of(new NewTopic("clonefarm.extra", 1, (short) 3))).all().get(60, TimeUnit.SECONDS);
        }
        try (Admin admin = Admin.create(coordinator.admin("coordinator"))) {
            assertThat(cause(() -> admin.createTopics(List.of(new NewTopic("clonefarm.coordinator-made", 1, (short) 3)))
                    .all().get(60, TimeUnit.SECONDS))).isInstanceOf(TopicAuthorizationException.class);
            assertThat(TOPICS.reconcile(admin, 60_000).created()).as("the coordinator checks the topics").isEmpty();
        }

        // the coordinator writes events; the operator a request, which a worker reads in its group
        send(coordinator, TOPICS.events(), "LINUX001");
        send(operator, TOPICS.cloneRequests(), "LINUX002");
        assertThat(readInGroup(worker, TOPICS.cloneRequests(), "clonefarm-workers")).isEqualTo("LINUX002");

        // a guest may write its own topic and nothing else
        send(guest, TOPICS.guestEvents(), "LINUX003");
        assertThat(cause(() -> send(guest, TOPICS.cloneRequests(), "LINUX003")))
                .isInstanceOf(TopicAuthorizationException.class)
                .hasMessage("Not authorized to access topics: [clonefarm.clone-requests]");
        assertThat(readFailure(guest, TOPICS.events()))
                .isInstanceOf(TopicAuthorizationException.class)
                .hasMessage("Not authorized to access topics: [clonefarm.events]");

        // the coordinator's guest fact relay (its group, its transactional id) relays a guest's signed fact and
        // dead-letters a forged one: the guest principal's topic is read, and only the coordinator speaks on events
        guestFactsAreRelayedOrDeadLetteredOnTheCoordinatorsPrincipal(guest, coordinator, operator);

        // a wrong password, a CA that did not sign the brokers' certificates
        Map<String, Object> wrongPassword = new HashMap<>(guest.admin("intruder"));
        wrongPassword.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"guest\" password=\"not-the-password\";");
        assertThat(describeFailure(wrongPassword)).isInstanceOf(SaslAuthenticationException.class)
                .hasMessageContaining("Authentication failed during authentication due to invalid credentials with SASL"
                        + " mechanism SCRAM-SHA-512");
        Map<String, Object> otherCa = new HashMap<>(guest.admin("stranger"));
        otherCa.put("ssl.truststore.location", SecuredClients.otherCaPem(data).toString());
        assertThat(describeFailure(otherCa)).isInstanceOf(SslAuthenticationException.class)
                .hasMessageContaining("SSL handshake failed");
    }

    private static void guestFactsAreRelayedOrDeadLetteredOnTheCoordinatorsPrincipal(KafkaSettings guest,
            KafkaSettings coordinator, KafkaSettings operator) throws Exception {
        FarmKey farmKey = FarmKey.of(new byte[FarmKey.LENGTH]);
        CloneStateStore store = new CloneStateStore();
        EventFactory facts = new EventFactory("coordinator-test");
        for (String userid : List.of("LINUX001", "LINUX002")) { // what the fold knows: both clones started
            store.apply(facts.newEvent("sec", userid, 1).setClonePlanned(ClonePlanned.getDefaultInstance()).build());
            store.apply(facts.newEvent("sec", userid, 1).setCloneCopied(CloneCopied.getDefaultInstance()).build());
            store.apply(facts.newEvent("sec", userid, 1).setGuestStarted(GuestStarted.getDefaultInstance()).build());
        }
        CloneKey linux001 = CloneKey.derive(farmKey, "LINUX001", "sec", 1);
        CloneEvent honest = new EventFactory("agent-LINUX001").newEvent("sec", "LINUX001", 1)
                .setAgentStarted(AgentStarted.newBuilder().setMode("finalize").setBoot(1)).build();
        CloneEvent forged = new EventFactory("agent-LINUX002").newEvent("sec", "LINUX002", 1)
                .setReady(Ready.newBuilder().setBoot(2)).build();
        Map<String, Object> config = guest.producer("agent-LINUX001");
        config.put("max.block.ms", 30_000);
        try (KafkaProducer<String, byte[]> agent = new KafkaProducer<>(config)) {
            for (CloneEvent event : List.of(honest, forged)) {
                byte[] value = ContractCodec.encode(event);
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(TOPICS.guestEvents(), event.getUserid(), value);
                record.headers().add(GuestEventSignature.header(linux001, value)); // LINUX002's READY with LINUX001's key
                agent.send(record).get(60, TimeUnit.SECONDS);
            }
        }
        GuestFactRelay relay = new GuestFactRelay(coordinator, TOPICS, farmKey, store, "coordinator-test");
        try {
            relay.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> relay.relayed() == 1
                    && relay.refused(GuestFactRelay.Refusal.SIGNATURE) == 1);
        } finally {
            relay.close();
        }
        assertThat(relay.stopped()).as("the relay had every right it needed").isCompleted();
        assertThat(TopicSnapshot.events(coordinator, TOPICS.events(), "coordinator-test", Duration.ofSeconds(60)))
                .extracting(CloneEvent::getEventId).contains(honest.getEventId()).doesNotContain(forged.getEventId());
        List<String> reasons = new ArrayList<>();
        TopicSnapshot.read(operator, TOPICS.deadLetters(), "operator-test", Duration.ofSeconds(60), record -> {
            try {
                DeadLetter letter = DeadLetter.parseFrom(record.value());
                if (letter.getTopic().equals(TOPICS.guestEvents()) && letter.getKey().toStringUtf8().equals("LINUX002")) {
                    reasons.add(letter.getReason());
                }
            } catch (InvalidProtocolBufferException e) {
                throw new AssertionError("a dead letter that does not parse", e);
            }
        });
        assertThat(reasons).singleElement().asString().contains("does not match the clone key of LINUX002");
    }

    private static Map<String, String> load(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(key -> map.put(key, properties.getProperty(key)));
        return map;
    }

    private static String readInGroup(KafkaSettings settings, String topic, String group) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings.consumer("test-worker", group))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    consumer.commitSync(Duration.ofSeconds(30)); // the group ACL covers the commit as well
                    return record.key();
                }
            }
        }
        throw new AssertionError("the worker principal read nothing from " + topic + " in 90 s");
    }

    private static Throwable describeFailure(Map<String, Object> config) {
        config.put("default.api.timeout.ms", 30_000);
        try (Admin admin = Admin.create(config)) {
            return cause(() -> admin.describeCluster().nodes().get(60, TimeUnit.SECONDS));
        }
    }
}
