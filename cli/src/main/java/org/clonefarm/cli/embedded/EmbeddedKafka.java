package org.clonefarm.cli.embedded;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.clonefarm.platform.io.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka broker (combined broker and controller) running in this process on a
 * persistent data directory, for {@code clonefarm up} and {@code clonefarm demo}.
 *
 * <p>Layout under the data directory: {@code kafka/cluster.id} (the cluster id, written once),
 * {@code kafka/server.properties} (rewritten at every start), {@code kafka/broker.port} (the last
 * port, reused when free), {@code kafka/logs/} (the log directory, formatted once). Restarting on the
 * same directory keeps every topic and record. The controller quorum is static (one voter), so the
 * controller's port may change between starts.
 *
 * <p>Lifecycle: {@link #start} returns a running broker; {@link #close} stops it and waits for the
 * shutdown. Thread-safe; close is idempotent.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String HOST = KraftNodeProperties.HOST;
    private static final int NODE_ID = 1;

    private final Path directory;
    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final int guestListenerPort;
    private boolean closed;

    private EmbeddedKafka(Path directory, KafkaRaftServer server, String bootstrapServers, int guestListenerPort) {
        this.directory = directory;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.guestListenerPort = guestListenerPort;
    }

    /** A broker as {@link #start(Path, int, Duration, String)} without a listener for guests. */
    public static EmbeddedKafka start(Path dataDirectory, int port, Duration timeout) {
        return start(dataDirectory, port, timeout, null);
    }

    /**
     * Formats the storage on first use and starts the broker.
     *
     * @param dataDirectory the clonefarm data directory; the broker lives in its {@code kafka} folder
     * @param port the broker's port, or 0 for the last one used (when free) or a free one
     * @param timeout how long to wait for the broker to serve requests
     * @param guestAdvertised {@code HOST:PORT} for a second listener, {@value KraftNodeProperties#GUEST_LISTENER}, for
     *     the guests of QEMU's private networks: it accepts on a free port of this host's loopback
     *     ({@link #guestListenerPort()}, where the guests' network forwards to) and advertises this address, the one
     *     they dial, so that their clients follow the metadata to an address they can reach; null for none
     * @throws EmbeddedKafkaException with what failed and what to do
     */
    public static EmbeddedKafka start(Path dataDirectory, int port, Duration timeout, String guestAdvertised) {
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Kafka port must be 0 (any free port) or 1-65535, got " + port);
        }
        Path directory = dataDirectory.resolve("kafka");
        LocalKafkaCluster cluster = LocalKafkaCluster.at(dataDirectory);
        if (cluster.exists()) {
            throw new EmbeddedKafkaException(directory + " holds a local cluster of " + cluster.brokers()
                    + " brokers ('clonefarm kafka start'), not the single in-process broker: run 'clonefarm up --brokers "
                    + cluster.brokers() + "' to use it, or give another --data");
        }
        try {
            Files.createDirectories(directory.resolve("logs"));
            String clusterId = clusterId(directory);
            int brokerPort = port != 0 ? port : previousOrFreePort(directory);
            int controllerPort = freePort();
            int guestPort = guestAdvertised == null ? 0 : freePort();
            Properties properties = serverProperties(directory, brokerPort, controllerPort);
            if (guestAdvertised != null) {
                KraftNodeProperties.guestListener(properties, guestPort, guestAdvertised);
            }
            Path propertiesFile = directory.resolve("server.properties");
            try (var out = Files.newBufferedWriter(propertiesFile)) {
                properties.store(out, "written by clonefarm at every start; edits are lost");
            }
            KraftStorage.format(clusterId, propertiesFile, java.util.List.of());
            DurableFiles.replace(directory.resolve("broker.port"),
                    Integer.toString(brokerPort).getBytes(StandardCharsets.US_ASCII));

            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(properties, false), Time.SYSTEM);
            String bootstrap = HOST + ":" + brokerPort;
            try {
                server.startup();
                awaitReady(bootstrap, timeout);
            } catch (RuntimeException e) {
                stop(server);
                throw e;
            }
            LOG.info("embedded Kafka broker serves {} from {}{}", bootstrap, directory, guestAdvertised == null ? ""
                    : ", guests at " + guestAdvertised + " (" + HOST + ":" + guestPort + ")");
            return new EmbeddedKafka(directory, server, bootstrap, guestPort);
        } catch (IOException e) {
            throw new EmbeddedKafkaException("cannot prepare the Kafka data directory " + directory + ": " + e, e);
        } catch (RuntimeException e) {
            if (e instanceof EmbeddedKafkaException) {
                throw e;
            }
            throw new EmbeddedKafkaException("the embedded Kafka broker in " + directory + " failed to start: "
                    + rootMessage(e) + (isLockProblem(e) ? " (is another clonefarm using this data directory?)" : ""), e);
        }
    }

    private static String clusterId(Path directory) throws IOException {
        Path file = directory.resolve("cluster.id");
        if (Files.exists(file)) {
            String id = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (!id.isEmpty()) {
                return id;
            }
        }
        String id = Uuid.randomUuid().toString();
        DurableFiles.replace(file, id.getBytes(StandardCharsets.US_ASCII));
        return id;
    }

    private static int previousOrFreePort(Path directory) throws IOException {
        Path file = directory.resolve("broker.port");
        if (Files.exists(file)) {
            try {
                int previous = Integer.parseInt(Files.readString(file, StandardCharsets.US_ASCII).trim());
                if (isFree(previous)) {
                    return previous;
                }
            } catch (NumberFormatException ignored) {
                // a damaged hint: take a free port, and the file is rewritten below
            }
        }
        return freePort();
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(HOST, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port free on the loopback address now (another process may take it before it is bound). */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }

    private static Properties serverProperties(Path directory, int brokerPort, int controllerPort) {
        Properties p = KraftNodeProperties.common(1, NODE_ID, NODE_ID + "@" + HOST + ":" + controllerPort,
                directory.resolve("logs"));
        KraftNodeProperties.plaintext(p, brokerPort, controllerPort);
        return p;
    }

    private static void awaitReady(String bootstrap, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> config = Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                CommonClientConfigs.CLIENT_ID_CONFIG, "clonefarm-embedded-probe",
                CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        RuntimeException last = null;
        try (Admin admin = Admin.create(config)) {
            while (System.nanoTime() < deadline) {
                try {
                    if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    last = new RuntimeException(e);
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                sleep(100);
            }
        }
        throw new EmbeddedKafkaException("the embedded Kafka broker at " + bootstrap + " did not become ready within "
                + timeout.toSeconds() + " s" + (last == null ? "" : ": " + rootMessage(last)), last);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean isLockProblem(Throwable e) {
        return rootMessage(e).toLowerCase(java.util.Locale.ROOT).contains("lock");
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /**
     * Where the brokers of a data directory listen when they run ({@code clonefarm up} or
     * {@code clonefarm kafka start} in another process): the local cluster's recorded ports, else the
     * port the embedded broker last used; empty when no broker ever ran there.
     */
    public static java.util.Optional<String> lastAddress(Path dataDirectory) {
        LocalKafkaCluster cluster = LocalKafkaCluster.at(dataDirectory);
        if (cluster.exists()) {
            return java.util.Optional.of(cluster.bootstrapServers());
        }
        Path file = dataDirectory.resolve("kafka").resolve("broker.port");
        try {
            return java.util.Optional.of(HOST + ":" + Integer.parseInt(Files.readString(file, StandardCharsets.US_ASCII).trim()));
        } catch (IOException | NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    /** {@code 127.0.0.1:PORT} of the broker. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The loopback port of the listener for guests, or 0 when the broker has none. */
    public int guestListenerPort() {
        return guestListenerPort;
    }

    /** The broker's directory ({@code <data>/kafka}). */
    public Path directory() {
        return directory;
    }

    /** Stops the broker and waits until it has shut down. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop(server);
        LOG.info("embedded Kafka broker in {} stopped", directory);
    }

    private static void stop(KafkaRaftServer server) {
        server.shutdown();
        server.awaitShutdown();
    }
}
