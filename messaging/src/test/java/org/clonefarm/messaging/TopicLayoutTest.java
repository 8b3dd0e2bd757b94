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

/** The topic layout creates what is missing, leaves what exists, and refuses a broken status topic. */
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
