package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
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
 * is reachable they arrive with their original ids, each exactly once.
 */
@Timeout(120)
class SpoolDeliveryOverKafkaTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static final TopicLayout LAYOUT = TopicLayout.builder().prefix("agenttest.").build();

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
        List<CloneEvent> onTopic = eventsOf(GuestTree.USERID); // delivered: acknowledged, so on the topic now
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
    }

    /** A failed finalize's AgentFailed event reaches the topic when the broker is up. */
    @Test
    void failedStepReachesTheTopicAsAgentFailed() {
        GuestTree.create(root, "ID=debian\nVERSION_ID=\"12\"\n");
        GuestAgent agent = GuestAgent.builder(GuestTree.config(root, Map.of(AgentConfig.BOOTSTRAP_SERVERS,
                KAFKA.bootstrapServers(), AgentConfig.TOPIC_PREFIX, LAYOUT.prefix()))).root(root)
                .identity(Identity.fixed("LINUX002")).configSource(GuestTree.source()).build();

        org.assertj.core.api.Assertions.assertThatThrownBy(agent::finalizeClone).isInstanceOf(AgentException.class);

        await().atMost(Duration.ofSeconds(30)).until(() -> !eventsOf("LINUX002").isEmpty());
        List<CloneEvent> onTopic = eventsOf("LINUX002");
        assertThat(onTopic).hasSize(1);
        assertThat(onTopic.get(0).getAgentFailed().getStep()).isEqualTo("read-config");
        assertThat(onTopic.get(0).getAgentFailed().getReason()).contains("10.1.0.300");
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

    /** Every event on the topic now for a userid, in the order the agent published them (one partition per key). */
    private static List<CloneEvent> eventsOf(String userid) {
        return TopicSnapshot.events(KafkaSettings.of(KAFKA.bootstrapServers()), LAYOUT.events(), "agent-test-reader",
                Duration.ofSeconds(30)).stream().filter(e -> userid.equals(e.getUserid())).toList();
    }
}
