package org.clonefarm.cli.embedded;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;
import org.clonefarm.platform.io.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of a {@link LocalKafkaCluster}, run in its own JVM ({@code clonefarm kafka broker}, which
 * {@link LocalKafkaCluster#start} launches): reads the {@code server.properties} the cluster wrote for
 * it, records its pid, serves until SIGTERM, then shuts down in order (controlled shutdown of the
 * broker, then the controller) and removes its pid file.
 *
 * <p>Not for use in a process that does anything else: it owns the JVM's shutdown.
 */
public final class BrokerNode {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerNode.class);

    private BrokerNode() {
    }

    /**
     * Runs node {@code node} of the cluster in {@code dataDirectory} until the JVM is told to stop.
     *
     * @return the exit code: 0 after a clean stop, 1 when the node could not start (said on stderr)
     */
    public static int run(Path dataDirectory, int node) {
        LocalKafkaCluster cluster = LocalKafkaCluster.at(dataDirectory);
        Path directory = cluster.nodeDirectory(node);
        Path pidFile = directory.resolve(LocalKafkaCluster.PID_FILE);
        long pid = ProcessHandle.current().pid();
        KafkaRaftServer server;
        try {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(directory.resolve(LocalKafkaCluster.SERVER_PROPERTIES),
                    StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
            DurableFiles.replace(pidFile, Long.toString(pid).getBytes(StandardCharsets.US_ASCII));
            server = new KafkaRaftServer(KafkaConfig.fromProps(properties, false), Time.SYSTEM);
            server.startup();
        } catch (IOException | RuntimeException e) {
            System.err.println("clonefarm kafka broker: node " + node + " in " + directory + " cannot start: "
                    + EmbeddedKafka.rootMessage(e));
            LOG.error("node {} in {} cannot start", node, directory, e); // the detail, in the node's broker.log
            return 1;
        }
        AtomicBoolean stopping = new AtomicBoolean();
        KafkaRaftServer running = server;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (stopping.compareAndSet(false, true)) {
                LOG.info("node {} stopping", node);
                running.shutdown();
                running.awaitShutdown();
                removePidFile(pidFile, pid);
                LOG.info("node {} stopped", node);
            }
        }, "kafka-node-" + node + "-shutdown"));
        LOG.info("node {} of the local Kafka cluster runs as pid {} from {}", node, pid, directory);
        server.awaitShutdown();
        return 0;
    }

    private static void removePidFile(Path pidFile, long pid) {
        try {
            if (Files.readString(pidFile, StandardCharsets.US_ASCII).trim().equals(Long.toString(pid))) {
                Files.delete(pidFile);
            }
        } catch (IOException e) {
            // gone already, or unreadable: the next status finds no process behind it either way
        }
    }
}
