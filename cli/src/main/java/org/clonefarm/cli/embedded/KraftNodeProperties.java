package org.clonefarm.cli.embedded;

import java.nio.file.Path;
import java.util.Properties;
import org.clonefarm.messaging.TopicLayout;

/**
 * The server properties of one combined (broker and controller) KRaft node of clonefarm's own
 * brokers: the in-process {@link EmbeddedKafka} and each node of a {@link LocalKafkaCluster}. One home
 * for what they share: internal topics replicated like the clonefarm topics (min(3, nodes), min ISR
 * one less), no automatic topic creation, no rebalance delay.
 *
 * <p>Stateless.
 */
final class KraftNodeProperties {
    static final String HOST = "127.0.0.1";
    static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** The plaintext listener for QEMU guests ({@link EmbeddedKafka#start(Path, int, java.time.Duration, String)}). */
    static final String GUEST_LISTENER = "GUEST";

    private KraftNodeProperties() {
    }

    /**
     * The settings every node has, for a cluster of {@code nodes} combined nodes.
     *
     * @param nodeId this node's id
     * @param voters {@code controller.quorum.voters}: {@code id@host:port,...}
     * @param logDirectory the node's log directory (formatted before the start)
     */
    static Properties common(int nodes, int nodeId, String voters, Path logDirectory) {
        int replication = TopicLayout.replicationFactorFor(nodes);
        String minInsync = Integer.toString(TopicLayout.minInsyncReplicasFor(replication));
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", Integer.toString(nodeId));
        p.setProperty("controller.listener.names", CONTROLLER_LISTENER);
        p.setProperty("controller.quorum.voters", voters);
        p.setProperty("log.dirs", logDirectory.toAbsolutePath().toString());
        p.setProperty("offsets.topic.replication.factor", Integer.toString(replication));
        p.setProperty("offsets.topic.num.partitions", "6");
        p.setProperty("transaction.state.log.replication.factor", Integer.toString(replication));
        p.setProperty("transaction.state.log.min.isr", minInsync);
        p.setProperty("share.coordinator.state.topic.replication.factor", Integer.toString(replication));
        p.setProperty("share.coordinator.state.topic.min.isr", minInsync);
        p.setProperty("default.replication.factor", Integer.toString(replication));
        p.setProperty("min.insync.replicas", minInsync);
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("num.partitions", "1");
        return p;
    }

    /** Clients and brokers on PLAINTEXT, the controllers on PLAINTEXT: loopback only, no authentication. */
    static void plaintext(Properties p, int brokerPort, int controllerPort) {
        p.setProperty("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + "," + CONTROLLER_LISTENER + "://" + HOST
                + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    }

    /**
     * Adds, to a plaintext node, a plaintext listener for guests on {@code hostPort} of the loopback that advertises
     * {@code advertised} (the address the guests' network forwards to {@code hostPort}).
     */
    static void guestListener(Properties p, int hostPort, String advertised) {
        p.setProperty("listeners", p.getProperty("listeners") + "," + GUEST_LISTENER + "://" + HOST + ":" + hostPort);
        p.setProperty("advertised.listeners", p.getProperty("advertised.listeners") + "," + GUEST_LISTENER + "://" + advertised);
        p.setProperty("listener.security.protocol.map", p.getProperty("listener.security.protocol.map") + "," + GUEST_LISTENER
                + ":PLAINTEXT");
    }

    /**
     * Clients and brokers on SASL_SSL, the controllers on SSL (mutual TLS; SCRAM between controllers
     * is not supported, KAFKA-15513); the secrets come from {@link ClusterCredentials#applyBrokerSecurity}.
     */
    static void saslSsl(Properties p, int brokerPort, int controllerPort) {
        p.setProperty("listeners", "SASL_SSL://" + HOST + ":" + brokerPort + "," + CONTROLLER_LISTENER + "://" + HOST
                + ":" + controllerPort);
        p.setProperty("advertised.listeners", "SASL_SSL://" + HOST + ":" + brokerPort);
        p.setProperty("inter.broker.listener.name", "SASL_SSL");
        p.setProperty("listener.security.protocol.map", "SASL_SSL:SASL_SSL," + CONTROLLER_LISTENER + ":SSL");
    }
}
