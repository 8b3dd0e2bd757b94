package org.clonefarm.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The topic layout creates what is missing (replicated by the cluster's size), leaves what exists, and
 * refuses a broken status topic. Replication on three brokers: {@code LocalKafkaClusterTest} in cli.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TopicLayoutTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void createsTheFiveTopicsWithACompactedStatusTopic() throws Exception {
        TopicLayout layout = TopicLayout.builder().prefix("create.").requestPartitions(3).build();
        try (Admin admin = KAFKA.broker().admin()) {
            List<String> created = layout.ensure(admin, 30_000);
            assertThat(created).containsExactlyInAnyOrder("create.clone-requests", "create.events",
                    "create.status", "create.dlq", "create.guest-events");
            assertThat(admin.describeTopics(List.of("create.clone-requests")).allTopicNames().get()
                    .get("create.clone-requests").partitions()).hasSize(3);
            ConfigResource status = new ConfigResource(ConfigResource.Type.TOPIC, "create.status");
            ConfigEntry policy = admin.describeConfigs(List.of(status)).all().get().get(status).get("cleanup.policy");
            assertThat(policy.value()).isEqualTo("compact");
        }
    }

    @Test
    void onOneBrokerTopicsGetOneReplicaAndMinInsyncReplicasOne() throws Exception {
        TopicLayout layout = TopicLayout.builder().prefix("single.").build();
        try (Admin admin = KAFKA.broker().admin()) {
            TopicLayout.Reconciliation result = layout.reconcile(admin, 30_000);
            assertThat(result.replicationFactor()).isEqualTo(1);
            assertThat(result.warnings()).isEmpty();
            var description = admin.describeTopics(List.of("single.events")).allTopicNames().get().get("single.events");
            assertThat(description.partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(1));
            ConfigResource events = new ConfigResource(ConfigResource.Type.TOPIC, "single.events");
            ConfigEntry minInsync = admin.describeConfigs(List.of(events)).all().get().get(events).get("min.insync.replicas");
            assertThat(minInsync.value()).isEqualTo("1");
            assertThat(minInsync.source()).as("set on the topic, not inherited").isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        }
    }

    @Test
    void replicationIsMinOfThreeAndTheBrokersWithMinInsyncOneLess() {
        assertThat(List.of(1, 2, 3, 4, 7).stream().map(TopicLayout::replicationFactorFor)).containsExactly(1, 2, 3, 3, 3);
        assertThat(List.of(1, 2, 3).stream().map(TopicLayout::minInsyncReplicasFor)).containsExactly(1, 1, 2);
        assertThatThrownBy(() -> TopicLayout.replicationFactorFor(0)).hasMessageContaining("got 0");
    }

    @Test
    void aReplicationFactorAboveTheClusterIsReportedForTheExistingTopics() throws Exception {
        TopicLayout single = TopicLayout.builder().prefix("wanted.").build();
        TopicLayout wantsTwo = TopicLayout.builder().prefix("wanted.").replicationFactor(2).build();
        try (Admin admin = KAFKA.broker().admin()) {
            single.ensure(admin, 30_000);
            TopicLayout.Reconciliation result = wantsTwo.reconcile(admin, 30_000);
            assertThat(result.created()).isEmpty();
            assertThat(result.warnings()).hasSize(5).contains("topic wanted.events has replication factor 1, lower than"
                    + " the 2 configured: a broker that fails takes records or the farm's progress with it; raise it"
                    + " with kafka-reassign-partitions.sh (docs/kafka.md)");
        }
    }

    @Test
    void secondEnsureCreatesNothingAndKeepsTheTopics() throws Exception {
        TopicLayout layout = TopicLayout.builder().prefix("again.").build();
        try (Admin admin = KAFKA.broker().admin()) {
            layout.ensure(admin, 30_000);
            assertThat(layout.ensure(admin, 30_000)).isEmpty();
            Set<String> names = admin.listTopics().names().get();
            assertThat(names).containsAll(layout.allTopics());
        }
    }

    @Test
    void refusesAStatusTopicWithoutCompaction() throws Exception {
        TopicLayout layout = TopicLayout.builder().prefix("broken.").build();
        try (Admin admin = KAFKA.broker().admin()) {
            admin.createTopics(List.of(new NewTopic("broken.status", 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "delete")))).all().get();
            assertThatThrownBy(() -> layout.ensure(admin, 30_000))
                    .isInstanceOf(TopicLayoutException.class)
                    .hasMessageContaining("broken.status")
                    .hasMessageContaining("cleanup.policy=delete")
                    .hasMessageContaining("must be compacted");
        }
    }

    @Test
    void unreachableClusterFailsWithinTheTimeoutNamingTheOption() {
        KafkaSettings settings = KafkaSettings.of("127.0.0.1:1");
        Map<String, Object> config = settings.admin("unreachable");
        config.put("request.timeout.ms", 1000);
        config.put("default.api.timeout.ms", 2000);
        try (Admin admin = Admin.create(config)) {
            assertThatThrownBy(() -> TopicLayout.defaults().ensure(admin, 2_000))
                    .isInstanceOf(TopicLayoutException.class)
                    .hasMessageContaining("--bootstrap-servers");
        }
    }

    @Test
    void badPrefixAndPartitionCountsAreRefusedWithTheValue() {
        assertThatThrownBy(() -> TopicLayout.builder().prefix("has space"))
                .hasMessageContaining("has space");
        assertThatThrownBy(() -> TopicLayout.builder().eventPartitions(0))
                .hasMessageContaining("events").hasMessageContaining("got 0");
    }
}
