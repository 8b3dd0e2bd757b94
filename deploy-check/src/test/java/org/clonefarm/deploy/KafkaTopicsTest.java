package org.clonefarm.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.clonefarm.messaging.TopicLayout;
import org.junit.jupiter.api.Test;

/**
 * The topics the deployment files create are messaging's {@link TopicLayout}: the same names and
 * partitions, the status topic compacted, three replicas with min.insync.replicas 2.
 */
class KafkaTopicsTest {

    /** The layout's topics, and the guest principal's own topic (issue #17) where the layout has none yet. */
    private static Map<String, Integer> expectedPartitions() {
        Map<String, Integer> expected = new TreeMap<>(TopicLayout.defaults().partitionCounts());
        expected.putIfAbsent(TopicLayout.DEFAULT_PREFIX + "guest-events", TopicLayout.DEFAULT_EVENT_PARTITIONS);
        return expected;
    }

    @Test
    void kafkaTopicResourcesAreTheTopicLayout() {
        Map<String, Integer> partitions = new TreeMap<>();
        for (JsonNode topic : DeployFiles.ofKind(DeployFiles.documents(DeployFiles.read(DeployFiles.RENDERED)), "KafkaTopic")) {
            String name = topic.at("/metadata/name").asText();
            partitions.put(name, topic.at("/spec/partitions").asInt());
            assertThat(topic.at("/spec/replicas").asInt()).as(name).isEqualTo(3);
            assertThat(topic.at("/spec/config/min.insync.replicas").asText()).as(name).isEqualTo("2");
            assertThat(topic.at("/spec/config/cleanup.policy").asText("delete"))
                    .as(name).isEqualTo(name.equals(TopicLayout.defaults().status()) ? "compact" : "delete");
        }

        assertThat(partitions).isEqualTo(expectedPartitions());
    }

    @Test
    void composeSetupScriptCreatesTheTopicLayout() {
        Map<String, Integer> partitions = new TreeMap<>();
        Map<String, String> configs = new LinkedHashMap<>();
        for (String line : DeployFiles.read(DeployFiles.ROOT.resolve("deploy/compose/secured/kafka-setup.sh")).lines().toList()) {
            String[] words = line.trim().split("\\s+");
            if (words[0].equals("topic") && words.length >= 3) {
                partitions.put(words[1], Integer.parseInt(words[2]));
                configs.put(words[1], String.join(" ", java.util.Arrays.copyOfRange(words, 3, words.length)));
            }
        }

        assertThat(partitions).isEqualTo(expectedPartitions());
        configs.forEach((topic, config) -> assertThat(config).as(topic)
                .isEqualTo(topic.equals(TopicLayout.defaults().status()) ? "cleanup.policy=compact" : ""));
    }
}
