package org.clonefarm.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.NewTopic;
import org.clonefarm.messaging.TopicLayout;
import org.junit.jupiter.api.Test;

/**
 * The topics the deployment files create are those messaging's {@link TopicLayout} creates on a cluster of
 * their brokers: the same names, partitions, replication factor (min(3, brokers)) and settings
 * ({@code min.insync.replicas} one less, the status topic compacted).
 */
class KafkaTopicsTest {

    /** A topic as the test compares it: partitions, replicas and its settings in name order. */
    private record TopicSpec(int partitions, int replicas, Map<String, String> configs) {
    }

    private static Map<String, TopicSpec> layoutOn(int brokers) {
        Map<String, TopicSpec> expected = new TreeMap<>();
        for (NewTopic topic : TopicLayout.defaults().newTopics(TopicLayout.replicationFactorFor(brokers))) {
            expected.put(topic.name(), new TopicSpec(topic.numPartitions(), topic.replicationFactor(),
                    new TreeMap<>(topic.configs())));
        }
        return expected;
    }

    /** The brokers of the Strimzi cluster: the replicas of its node pools that have the broker role. */
    private static int strimziBrokers(List<JsonNode> documents) {
        int brokers = 0;
        for (JsonNode pool : DeployFiles.ofKind(documents, "KafkaNodePool")) {
            for (JsonNode role : pool.at("/spec/roles")) {
                if (role.asText().equals("broker")) {
                    brokers += pool.at("/spec/replicas").asInt();
                }
            }
        }
        return brokers;
    }

    @Test
    void kafkaTopicResourcesAreTheTopicLayoutOnTheNodePoolsBrokers() {
        List<JsonNode> documents = DeployFiles.documents(DeployFiles.read(DeployFiles.RENDERED));
        Map<String, TopicSpec> topics = new TreeMap<>();
        for (JsonNode topic : DeployFiles.ofKind(documents, "KafkaTopic")) {
            Map<String, String> configs = new TreeMap<>();
            topic.at("/spec/config").fields().forEachRemaining(e -> configs.put(e.getKey(), e.getValue().asText()));
            topics.put(topic.at("/metadata/name").asText(), new TopicSpec(topic.at("/spec/partitions").asInt(),
                    topic.at("/spec/replicas").asInt(), configs));
        }

        assertThat(strimziBrokers(documents)).isEqualTo(3);
        assertThat(topics).isEqualTo(layoutOn(strimziBrokers(documents)));
    }

    @Test
    void composeSetupScriptCreatesTheTopicLayoutOnItsThreeBrokers() {
        Map<String, TopicSpec> topics = new TreeMap<>();
        for (String line : DeployFiles.read(DeployFiles.COMPOSE_SETUP).lines().toList()) {
            String[] words = line.trim().split("\\s+");
            if (words[0].equals("topic") && words.length >= 4) {
                Map<String, String> configs = new TreeMap<>();
                for (String config : Arrays.copyOfRange(words, 4, words.length)) {
                    configs.put(config.substring(0, config.indexOf('=')), config.substring(config.indexOf('=') + 1));
                }
                topics.put(words[1], new TopicSpec(Integer.parseInt(words[2]), Integer.parseInt(words[3]), configs));
            }
        }

        assertThat(topics).isEqualTo(layoutOn(3));
    }
}
