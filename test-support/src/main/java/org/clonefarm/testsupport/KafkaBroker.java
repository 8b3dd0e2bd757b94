package org.clonefarm.testsupport;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;

/**
 * A real Kafka broker a test talks to. Implementations: a Testcontainers Kafka container (where a
 * Docker engine runs) or an in-process single-node KRaft cluster from Kafka's test kit.
 */
public interface KafkaBroker extends AutoCloseable {

    /** {@code host:port} of the broker, for {@code bootstrap.servers}. */
    String bootstrapServers();

    /** Which kind of broker this is: "testcontainers" or "kraft-in-process". */
    String kind();

    /** A new admin client; the caller closes it. */
    default Admin admin() {
        Map<String, Object> config = new HashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(config);
    }

    @Override
    void close() throws Exception;
}
