package org.clonefarm.cli.embedded;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.StringJoiner;
import org.apache.kafka.common.Uuid;
import org.clonefarm.platform.io.DurableFiles;

/**
 * What a {@link LocalKafkaCluster} was created with, fixed at its first start and kept in
 * {@code kafka/cluster.properties}: the cluster id, the number of nodes, the security and each node's
 * two ports. The ports never change: the controllers are static voters named by host and port, and
 * clients keep the bootstrap servers they were given.
 *
 * @param nodes the ports of nodes 1..n, in order
 */
record ClusterManifest(String clusterId, ClusterSecurity security, List<NodePorts> nodes) {
    static final String FILE = "cluster.properties";

    /** A node's client port (PLAINTEXT or SASL_SSL) and its controller port. */
    record NodePorts(int port, int controllerPort) {
    }

    ClusterManifest {
        nodes = List.copyOf(nodes);
    }

    int brokers() {
        return nodes.size();
    }

    NodePorts node(int id) {
        return nodes.get(id - 1);
    }

    /** {@code 127.0.0.1:P1,127.0.0.1:P2,...} */
    String bootstrapServers() {
        StringJoiner servers = new StringJoiner(",");
        for (NodePorts node : nodes) {
            servers.add(KraftNodeProperties.HOST + ":" + node.port());
        }
        return servers.toString();
    }

    /** {@code controller.quorum.voters}: every node is a voter. */
    String voters() {
        StringJoiner voters = new StringJoiner(",");
        for (int id = 1; id <= nodes.size(); id++) {
            voters.add(id + "@" + KraftNodeProperties.HOST + ":" + node(id).controllerPort());
        }
        return voters.toString();
    }

    /** A new cluster: a fresh id and two free loopback ports per node. */
    static ClusterManifest create(int brokers, ClusterSecurity security) throws IOException {
        List<NodePorts> nodes = new ArrayList<>();
        List<Integer> taken = new ArrayList<>();
        for (int i = 0; i < brokers; i++) {
            nodes.add(new NodePorts(distinctFreePort(taken), distinctFreePort(taken)));
        }
        return new ClusterManifest(Uuid.randomUuid().toString(), security, nodes);
    }

    private static int distinctFreePort(List<Integer> taken) throws IOException {
        while (true) {
            int port = EmbeddedKafka.freePort();
            if (!taken.contains(port)) {
                taken.add(port);
                return port;
            }
        }
    }

    void write(Path directory) throws IOException {
        StringBuilder text = new StringBuilder()
                .append("# the local Kafka cluster of this data directory, fixed at its first start by 'clonefarm kafka start'\n")
                .append("# (the controllers are static voters: changing a port or the number of brokers breaks the quorum)\n")
                .append("cluster.id=").append(clusterId).append('\n')
                .append("brokers=").append(nodes.size()).append('\n')
                .append("security=").append(security.option()).append('\n');
        for (int id = 1; id <= nodes.size(); id++) {
            text.append("node.").append(id).append(".port=").append(node(id).port()).append('\n');
            text.append("node.").append(id).append(".controller.port=").append(node(id).controllerPort()).append('\n');
        }
        DurableFiles.replace(directory.resolve(FILE), text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @throws EmbeddedKafkaException naming the file and the key that is missing or wrong
     */
    static ClusterManifest read(Path directory) throws IOException {
        Path file = directory.resolve(FILE);
        Properties p = new Properties();
        try (Reader reader = new StringReader(Files.readString(file, StandardCharsets.UTF_8))) {
            p.load(reader);
        }
        try {
            int brokers = Integer.parseInt(required(p, file, "brokers"));
            List<NodePorts> nodes = new ArrayList<>();
            for (int id = 1; id <= brokers; id++) {
                nodes.add(new NodePorts(Integer.parseInt(required(p, file, "node." + id + ".port")),
                        Integer.parseInt(required(p, file, "node." + id + ".controller.port"))));
            }
            return new ClusterManifest(required(p, file, "cluster.id"),
                    ClusterSecurity.parse(required(p, file, "security")), nodes);
        } catch (IllegalArgumentException e) {
            throw new EmbeddedKafkaException(file + " is damaged (" + e.getMessage() + "); it was written by"
                    + " 'clonefarm kafka start' and is not to be edited", e);
        }
    }

    private static String required(Properties p, Path file, String key) {
        String value = p.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("no " + key);
        }
        return value.trim();
    }
}
