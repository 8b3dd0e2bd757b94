package org.clonefarm.cli;

import java.nio.file.Path;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.clonefarm.cli.console.Invocation;
import org.clonefarm.cli.embedded.EmbeddedKafka;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicLayoutException;

/**
 * How a short-lived command (submit, status, retry, cancel, watch) reaches the farm's Kafka: the
 * cluster given with {@code --bootstrap-servers}, else the embedded broker that {@code clonefarm up}
 * runs on the same data directory.
 *
 * @param settings the client settings
 * @param layout the topic names
 */
public record FarmConnection(KafkaSettings settings, TopicLayout layout) {

    /** Resolves the cluster and makes sure the topics exist. */
    public static FarmConnection open(KafkaOptions kafka, Path dataDirectory) {
        String servers = null;
        if (!kafka.clusterGiven()) {
            Optional<String> local = EmbeddedKafka.lastAddress(dataDirectory);
            if (local.isEmpty()) {
                throw UserError.usage("no Kafka cluster: give --bootstrap-servers HOST:PORT, or run '" + Invocation.command("up --data "
                        + dataDirectory) + "' in another shell first");
            }
            servers = local.get();
        }
        KafkaSettings settings = kafka.settings(servers);
        TopicLayout layout = kafka.topicLayout();
        try (Admin admin = Admin.create(settings.admin("clonefarm-cli"))) {
            layout.ensure(admin, 15_000);
        } catch (TopicLayoutException e) {
            throw new UserError(e.getMessage() + (kafka.clusterGiven() ? "" : " (is '" + Invocation.command("up --data "
                    + dataDirectory) + "' running?)"), e);
        }
        return new FarmConnection(settings, layout);
    }
}
