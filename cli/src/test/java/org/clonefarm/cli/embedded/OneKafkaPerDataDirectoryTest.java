package org.clonefarm.cli.embedded;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.clonefarm.messaging.TopicLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory has one Kafka: the in-process broker of {@code up}/{@code demo} or a local cluster,
 * never both over one another (each would see topics and records the other does not have).
 */
class OneKafkaPerDataDirectoryTest {

    @Test
    void theInProcessBrokerRefusesADirectoryThatHoldsACluster(@TempDir Path data) throws Exception {
        ClusterManifest.create(3, ClusterSecurity.NONE).write(Files.createDirectories(data.resolve("kafka")));
        assertThatThrownBy(() -> EmbeddedKafka.start(data, 0, Duration.ofSeconds(5)))
                .isInstanceOf(EmbeddedKafkaException.class)
                .hasMessage(data.resolve("kafka") + " holds a local cluster of 3 brokers ('clonefarm kafka start'), not the"
                        + " single in-process broker: run 'clonefarm up --brokers 3' to use it, or give another --data");
    }

    @Test
    void aClusterRefusesTheDirectoryOfTheInProcessBroker(@TempDir Path data) throws Exception {
        Files.createDirectories(data.resolve("kafka").resolve("logs"));
        LocalKafkaCluster.StartPlan plan = new LocalKafkaCluster.StartPlan(3, ClusterSecurity.NONE, TopicLayout.defaults(),
                "clonefarm-workers", Duration.ofSeconds(5), "unused.Main");
        assertThatThrownBy(() -> LocalKafkaCluster.at(data).start(plan, System.err))
                .isInstanceOf(EmbeddedKafkaException.class)
                .hasMessageContaining("holds the single in-process broker of 'clonefarm up'")
                .hasMessageContaining("give a fresh --data");
    }
}
