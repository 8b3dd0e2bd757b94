package org.clonefarm.cli;

import java.nio.file.Path;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import picocli.CommandLine.Option;

/**
 * The Kafka options every component takes (a picocli mixin): where the cluster is, a standard
 * client properties file for TLS and SASL, and the topic prefix.
 */
public final class KafkaOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "An existing Kafka cluster. Without it, commands that can run one start the embedded broker.")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "A Kafka client properties file (security.protocol, ssl.*, sasl.*, timeouts) passed to every client.")
    Path kafkaConfig;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = TopicLayout.DEFAULT_PREFIX,
            description = "Prefix of the topic names (default: ${DEFAULT-VALUE}).")
    String topicPrefix;

    /** Whether the user named a cluster (on the command line, or as bootstrap.servers in the client file). */
    public boolean clusterGiven() {
        if (bootstrapServers != null && !bootstrapServers.isBlank()) {
            return true;
        }
        try {
            return kafkaConfig != null && KafkaSettings.namesCluster(kafkaConfig);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--kafka-config: " + e.getMessage());
        }
    }

    /** Settings for the given bootstrap servers, or for the user's when {@code servers} is null. */
    public KafkaSettings settings(String servers) {
        try {
            return KafkaSettings.of(servers != null ? servers : bootstrapServers, kafkaConfig);
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
    }

    public TopicLayout topicLayout() {
        try {
            return TopicLayout.builder().prefix(topicPrefix).build();
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--topic-prefix: " + e.getMessage());
        }
    }
}
