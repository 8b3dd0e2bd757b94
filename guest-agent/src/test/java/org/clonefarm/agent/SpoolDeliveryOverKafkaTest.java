package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.clonefarm.messaging.CloneKey;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.GuestEventSignature;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Events reach Kafka through the spool: with the broker down they wait on disk, and once a broker
 * is reachable they arrive on the guest-events topic with their original ids, each exactly once, signed
 * with the clone's key.
 */
@Timeout(120)
class SpoolDeliveryOverKafkaTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static final TopicLayout LAYOUT = TopicLayout.builder().prefix("agenttest.").build();
    private static final FarmKey FARM = FarmKey.of(new byte[] {
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});

    @TempDir
    Path root;

    @BeforeAll
    static void topics() {
        try (Admin admin = Admin.create(KafkaSettings.of(KAFKA.bootstrapServers()).admin("agent-test"))) {
            LAYOUT.ensure(admin, 30_000);
        }
    }

    /** Broker down during finalize: everything spooled; report-ready with a broker delivers all, once. */
    @Test
    void brokerDownKeepsEventsThenDeliversEachOnceWithOriginalIds() throws IOException {
        GuestTree.create(root, "ID=debian\nVERSION_ID=\"12\"\n");
        GuestTree.seedKey(root, FARM, GuestTree.USERID, "b-42", 1);
        GuestAgent.Result finalized = agent(closedPort()).finalizeClone();

        assertThat(finalized.status()).isEqualTo(GuestAgent.Status.FINALIZED);
        assertThat(finalized.delivered()).isZero();
        assertThat(finalized.pending()).isEqualTo(6);
        assertThat(root.resolve("rebooted")).exists();

        assertThat(agent(KAFKA.bootstrapServers()).reportReady()).isTrue();
        GuestAgent.Delivery again = agent(KAFKA.bootstrapServers()).deliver();
        assertThat(again.delivered()).isZero();
        assertThat(again.pending()).isZero();
        assertThat(agent(KAFKA.bootstrapServers()).reportReady()).isFalse();

        List<CloneEvent> spooled = GuestTree.agent(root).spooledEvents();
        List<ConsumerRecord<String, byte[]>> records = recordsOf(GuestTree.USERID, spooled.size());
        List<CloneEvent> onTopic = events(records);
        assertThat(onTopic).containsExactlyElementsOf(spooled);
        assertThat(onTopic).extracting(e -> e.getFactCase().name()).containsExactly("AGENT_STARTED", "IDENTIFIED",
                "CONFIG_READ", "CONFIGURED", "FINALIZE_MARKER_REMOVED", "REBOOTING", "AGENT_STARTED", "READY");
        Set<String> ids = new HashSet<>();
        onTopic.forEach(e -> assertThat(ids.add(e.getEventId())).as("duplicate event id " + e.getEventId()).isTrue());
        assertThat(onTopic).allSatisfy(e -> {
            assertThat(e.getBatchId()).isEqualTo("b-42");
            assertThat(e.getAttempt()).isEqualTo(1);
            assertThat(e.getProducerId()).isEqualTo("agent-LINUX001");
        });
        CloneKey key = CloneKey.derive(FARM, GuestTree.USERID, "b-42", 1);
        assertThat(records).as("spooled while the broker was down, signed when delivered").allSatisfy(record ->
                assertThat(GuestEventSignature.problem(key, record.headers(), record.value())).isEmpty());
    }

    /** A failed finalize's AgentFailed event reaches the topic when the broker is up, signed: the NAMES entry was bad, not the key. */
    @Test
    void failedStepReachesTheTopicAsAgentFailed() {
        GuestTree.create(root, "ID=debian\nVERSION_ID=\"12\"\n");
        CloneKey key = GuestTree.seedKey(root, FARM, "LINUX002", "b-42", 1);
        GuestAgent agent = GuestAgent.builder(GuestTree.config(root, Map.of(AgentConfig.BOOTSTRAP_SERVERS,
                KAFKA.bootstrapServers(), AgentConfig.TOPIC_PREFIX, LAYOUT.prefix()))).root(root)
                .identity(Identity.fixed("LINUX002")).configSource(GuestTree.source()).build();

        org.assertj.core.api.Assertions.assertThatThrownBy(agent::finalizeClone).isInstanceOf(AgentException.class);

        List<ConsumerRecord<String, byte[]>> records = recordsOf("LINUX002", 1);
        List<CloneEvent> onTopic = events(records);
        assertThat(onTopic).hasSize(1);
        assertThat(onTopic.get(0).getAttempt()).isEqualTo(1);
        assertThat(GuestEventSignature.problem(key, records.get(0).headers(), records.get(0).value())).isEmpty();
        assertThat(onTopic.get(0).getAgentFailed().getStep()).isEqualTo("read-config");
        assertThat(onTopic.get(0).getAgentFailed().getReason()).contains("10.1.0.300");
    }

    /**
     * Every record is signed with the clone's key of the attempt the key file names, and the events carry that
     * attempt, though the NAMES entry says attempt 1: a retried clone's agent speaks for the new attempt only.
     */
    @Test
    void deliveredEventsCarryTheKeysAttemptAndItsValidSignature() throws IOException {
        GuestTree.create(root, "ID=debian\nVERSION_ID=\"12\"\n");
        GuestTree.seedKey(root, FARM, "LINUX003", "b-42", 3);
        GuestAgent agent = GuestAgent.builder(GuestTree.config(root, Map.of(AgentConfig.BOOTSTRAP_SERVERS,
                KAFKA.bootstrapServers(), AgentConfig.TOPIC_PREFIX, LAYOUT.prefix()))).root(root)
                .identity(Identity.fixed("LINUX003")).configSource(CloneConfigSource.of("NAMES", Map.of(
                        "DEFAULTS", GuestTree.entries().get("DEFAULTS"),
                        "LINUX003", Map.of("hostname", "linux003", "ipaddr", "10.1.0.13", "batch", "b-42",
                                "attempt", "1")))).build();

        agent.finalizeClone();
        agent.reportReady();

        List<ConsumerRecord<String, byte[]>> records = recordsOf("LINUX003", 8);
        assertThat(events(records)).extracting(CloneEvent::getFactCase).contains(CloneEvent.FactCase.READY);
        CloneKey third = CloneKey.derive(FARM, "LINUX003", "b-42", 3);
        CloneKey first = CloneKey.derive(FARM, "LINUX003", "b-42", 1);
        assertThat(records).hasSize(8).allSatisfy(record -> {
            assertThat(ContractCodec.decodeEvent(record.value(), "test").getAttempt()).isEqualTo(3);
            assertThat(GuestEventSignature.problem(third, record.headers(), record.value())).isEmpty();
            assertThat(GuestEventSignature.problem(first, record.headers(), record.value())).isPresent();
        });
    }

    /** A clone without a key file still configures itself, and its events go out unsigned for the coordinator to refuse. */
    @Test
    void withoutAKeyFileEventsAreSentUnsigned() {
        GuestTree.create(root, "ID=debian\nVERSION_ID=\"12\"\n");
        GuestAgent agent = GuestAgent.builder(GuestTree.config(root, Map.of(AgentConfig.BOOTSTRAP_SERVERS,
                KAFKA.bootstrapServers(), AgentConfig.TOPIC_PREFIX, LAYOUT.prefix()))).root(root)
                .identity(Identity.fixed("LINUX004")).configSource(CloneConfigSource.of("NAMES", Map.of(
                        "DEFAULTS", GuestTree.entries().get("DEFAULTS"),
                        "LINUX004", Map.of("hostname", "linux004", "ipaddr", "10.1.0.14", "batch", "b-42")))).build();

        assertThat(agent.finalizeClone().status()).isEqualTo(GuestAgent.Status.FINALIZED);

        List<ConsumerRecord<String, byte[]>> records = recordsOf("LINUX004", 6);
        assertThat(records).hasSize(6).allSatisfy(record ->
                assertThat(record.headers().lastHeader(GuestEventSignature.HEADER)).isNull());
    }

    private GuestAgent agent(String servers) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(AgentConfig.BOOTSTRAP_SERVERS, servers);
        settings.put(AgentConfig.TOPIC_PREFIX, LAYOUT.prefix());
        settings.put(AgentConfig.SEND_TIMEOUT_MS, "1500");
        return GuestAgent.builder(GuestTree.config(root, settings)).root(root).identity(Identity.fixed(GuestTree.USERID))
                .configSource(GuestTree.source()).build();
    }

    private static String closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return "127.0.0.1:" + socket.getLocalPort();
        }
    }

    private static List<CloneEvent> events(List<ConsumerRecord<String, byte[]>> records) {
        List<CloneEvent> events = new ArrayList<>();
        records.forEach(r -> events.add(ContractCodec.decodeEvent(r.value(), r.topic() + "@" + r.offset())));
        return events;
    }

    /**
     * The records of a userid on the guest-events topic, in the order the agent published them (one partition
     * per key), once at least {@code expected} are there (within 30 s): the test asserts how many there are.
     */
    private static List<ConsumerRecord<String, byte[]>> recordsOf(String userid, int expected) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> {
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            TopicSnapshot.read(KafkaSettings.of(KAFKA.bootstrapServers()), LAYOUT.guestEvents(), "agent-test-reader",
                    Duration.ofSeconds(30), record -> {
                        if (userid.equals(record.key())) {
                            records.add(record);
                        }
                    });
            return records;
        }, records -> records.size() >= expected);
    }
}
