package org.clonefarm.cli.embedded;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.acl.AclBinding;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicLayoutException;

/**
 * A Kafka cluster of real broker processes on this machine, kept in {@code <data>/kafka}: each node a
 * combined KRaft broker and controller in its own JVM ({@link BrokerNode}), detached from the command
 * that starts it, all nodes voters of one static quorum (3 nodes tolerate one down).
 *
 * <p>Files under {@code <data>/kafka}: {@code cluster.properties} ({@link ClusterManifest}: id, nodes,
 * security, ports, fixed at the first start), {@code node-N/server.properties} (rewritten at each start
 * of the node), {@code node-N/pid} (while it runs), {@code node-N/broker.log} (its output, appended),
 * {@code node-N/data/} (its log directory, formatted once). Secured: {@code secrets.properties},
 * {@code tls/} and the client files in {@code <data>/security/} ({@link ClusterCredentials}).
 *
 * <p>A node runs when its pid file names a live process whose command line is that node's
 * ({@code kafka broker --data DIR --node N}), so a pid reused by another program is not taken for it.
 * {@link #start} and {@link #stop} hold {@code kafka/.cluster.lock} while they work, so two of them on
 * one data directory take turns. Instances hold no state beyond the directory; thread-safe.
 */
public final class LocalKafkaCluster {
    public static final int DEFAULT_BROKERS = 3;
    public static final int MAX_BROKERS = 9;
    static final String PID_FILE = "pid";
    static final String SERVER_PROPERTIES = "server.properties";
    static final String BROKER_LOG = "broker.log";
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);

    private final Path dataDirectory;
    private final Path directory;

    private LocalKafkaCluster(Path dataDirectory) {
        this.dataDirectory = dataDirectory.toAbsolutePath().normalize();
        this.directory = this.dataDirectory.resolve("kafka");
    }

    /** The cluster of a data directory, whether or not it was ever started (no I/O). */
    public static LocalKafkaCluster at(Path dataDirectory) {
        return new LocalKafkaCluster(Objects.requireNonNull(dataDirectory, "dataDirectory"));
    }

    /** Whether {@code kafka start} ever created a cluster here. */
    public boolean exists() {
        return Files.exists(directory.resolve(ClusterManifest.FILE));
    }

    /** The number of nodes, as created. @throws EmbeddedKafkaException when there is no cluster */
    public int brokers() {
        return manifest().brokers();
    }

    /** The security, as created. @throws EmbeddedKafkaException when there is no cluster */
    public ClusterSecurity security() {
        return manifest().security();
    }

    /** {@code 127.0.0.1:P1,...}, the same at every start. @throws EmbeddedKafkaException when there is no cluster */
    public String bootstrapServers() {
        return manifest().bootstrapServers();
    }

    /** {@code <data>/kafka/node-N} */
    public Path nodeDirectory(int node) {
        return directory.resolve("node-" + node);
    }

    /** {@code <data>/security}: {@code ca.pem} and the client properties files of a secured cluster. */
    public Path securityDirectory() {
        return dataDirectory.resolve("security");
    }

    /** The client properties file of {@code principal} (secured clusters; written by {@link #start}). */
    public Path clientProperties(ClusterPrincipal principal) {
        return securityDirectory().resolve(principal.propertiesFileName());
    }

    private ClusterManifest manifest() {
        if (!exists()) {
            throw new EmbeddedKafkaException("there is no local Kafka cluster in " + directory
                    + ": start one with 'clonefarm kafka start --data " + dataDirectory + "'");
        }
        try {
            return ClusterManifest.read(directory);
        } catch (IOException e) {
            throw new EmbeddedKafkaException("cannot read " + directory.resolve(ClusterManifest.FILE) + ": " + e, e);
        }
    }

    /**
     * What to start.
     *
     * @param brokers the number of nodes of a new cluster (1-{@value #MAX_BROKERS}); 0 for the recorded
     *     number, or {@value #DEFAULT_BROKERS} for a new cluster. An existing cluster refuses another number.
     * @param security the security of a new cluster; null for the recorded one, or none for a new cluster.
     *     An existing cluster refuses another.
     * @param topics the clonefarm topics to create (by the operator principal when secured) and, when
     *     secured, the topics the ACLs name
     * @param workerGroup the consumer group the worker principal may join
     * @param timeout how long to wait for every node to serve
     * @param mainClass the class whose {@code main} runs {@code clonefarm kafka broker --data DIR --node N}
     */
    public record StartPlan(int brokers, ClusterSecurity security, TopicLayout topics, String workerGroup,
            Duration timeout, String mainClass) {
        public StartPlan {
            if (brokers < 0 || brokers > MAX_BROKERS) {
                throw new IllegalArgumentException("--brokers " + brokers + " must be 1-" + MAX_BROKERS);
            }
            Objects.requireNonNull(topics, "topics");
            Objects.requireNonNull(workerGroup, "workerGroup");
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(mainClass, "mainClass");
        }
    }

    /**
     * What {@link #start} did.
     *
     * @param bootstrapServers where the cluster serves
     * @param startedNodes the nodes this call started (the others ran already)
     * @param topics what the topic check created and found
     */
    public record Started(String bootstrapServers, List<Integer> startedNodes, TopicLayout.Reconciliation topics) {
        public Started {
            startedNodes = List.copyOf(startedNodes);
        }
    }

    /**
     * Starts the nodes that do not run, waits until every node serves, then (secured) grants the ACLs
     * and, as the operator, creates the topics that are missing. A node that fails to start stops the
     * nodes this call started, and the error quotes the end of its log.
     *
     * @param progress where to say what happens, a line per step
     * @throws EmbeddedKafkaException what failed and what to do
     * @throws TopicLayoutException when the topics cannot be created or break the contract
     */
    public Started start(StartPlan plan, PrintStream progress) {
        if (!exists() && Files.exists(directory.resolve("logs"))) {
            throw new EmbeddedKafkaException(directory + " holds the single in-process broker of 'clonefarm up'"
                    + " (without --brokers) or 'demo', whose topics a new cluster would not have: give a fresh --data,"
                    + " or move " + directory + " away first");
        }
        try {
            Files.createDirectories(directory);
            try (FileChannel channel = FileChannel.open(directory.resolve(".cluster.lock"),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                    FileLock lock = lockOrWait(channel, progress)) {
                ClusterManifest manifest = manifestFor(plan);
                ClusterCredentials credentials = null;
                if (manifest.security() == ClusterSecurity.SASL_SSL) {
                    if (plan.topics().prefix().isEmpty()) {
                        throw new EmbeddedKafkaException("a secured cluster needs a topic prefix: its ACLs are given by"
                                + " prefix");
                    }
                    if (!Files.exists(directory.resolve("tls"))) {
                        progress.println("kafka: making the cluster's CA, the broker certificate and the SCRAM users");
                    }
                    credentials = ClusterCredentials.loadOrCreate(directory);
                    credentials.writeClientFiles(securityDirectory(), manifest.bootstrapServers());
                }
                List<Integer> started = startNodes(manifest, credentials, plan, progress);
                if (credentials != null) {
                    grantAcls(manifest, credentials, plan, progress);
                }
                TopicLayout.Reconciliation topics = createTopics(manifest, plan, progress);
                return new Started(manifest.bootstrapServers(), started, topics);
            }
        } catch (IOException e) {
            throw new EmbeddedKafkaException("cannot prepare the Kafka cluster in " + directory + ": " + e, e);
        }
    }

    private FileLock lockOrWait(FileChannel channel, PrintStream progress) throws IOException {
        FileLock lock = channel.tryLock();
        if (lock != null) {
            return lock;
        }
        progress.println("kafka: waiting for another 'clonefarm kafka' command on " + directory);
        return channel.lock();
    }

    private ClusterManifest manifestFor(StartPlan plan) throws IOException {
        if (exists()) {
            ClusterManifest manifest = manifest();
            if (plan.brokers() != 0 && plan.brokers() != manifest.brokers()) {
                throw new EmbeddedKafkaException(directory + " holds a cluster of " + manifest.brokers()
                        + " brokers, created so (its controllers are static voters): start it with --brokers "
                        + manifest.brokers() + " or without --brokers, or give another --data for " + plan.brokers());
            }
            if (plan.security() != null && plan.security() != manifest.security()) {
                throw new EmbeddedKafkaException(directory + " holds a cluster created with --security "
                        + manifest.security() + ": start it so, or give another --data for --security " + plan.security());
            }
            return manifest;
        }
        int brokers = plan.brokers() == 0 ? DEFAULT_BROKERS : plan.brokers();
        ClusterSecurity security = plan.security() == null ? ClusterSecurity.NONE : plan.security();
        ClusterManifest manifest = ClusterManifest.create(brokers, security);
        manifest.write(directory);
        return manifest;
    }

    private List<Integer> startNodes(ClusterManifest manifest, ClusterCredentials credentials, StartPlan plan,
            PrintStream progress) throws IOException {
        Map<Integer, Process> launched = new TreeMap<>();
        try {
            for (int node = 1; node <= manifest.brokers(); node++) {
                OptionalLong pid = runningPid(node);
                if (pid.isPresent()) {
                    progress.println("kafka: node " + node + " runs already (pid " + pid.getAsLong() + ")");
                    continue;
                }
                Path nodeDirectory = nodeDirectory(node);
                Path properties = writeServerProperties(manifest, credentials, node);
                KraftStorage.format(manifest.clusterId(), properties,
                        credentials == null ? List.of() : credentials.scramArguments());
                Process process = launch(plan.mainClass(), node, nodeDirectory);
                launched.put(node, process);
                progress.println("kafka: node " + node + " starting (pid " + process.pid() + ", port "
                        + manifest.node(node).port() + ", log " + nodeDirectory.resolve(BROKER_LOG) + ")");
            }
            awaitServing(manifest, credentials, launched, plan.timeout(), progress);
            return new ArrayList<>(launched.keySet());
        } catch (IOException | RuntimeException e) {
            for (Map.Entry<Integer, Process> node : launched.entrySet()) {
                node.getValue().destroyForcibly();
                try {
                    node.getValue().waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
                deletePidFile(node.getKey());
            }
            throw e;
        }
    }

    private Path writeServerProperties(ClusterManifest manifest, ClusterCredentials credentials, int node)
            throws IOException {
        Path nodeDirectory = nodeDirectory(node);
        Files.createDirectories(nodeDirectory.resolve("data"));
        ClusterManifest.NodePorts ports = manifest.node(node);
        Properties p = KraftNodeProperties.common(manifest.brokers(), node, manifest.voters(), nodeDirectory.resolve("data"));
        if (credentials == null) {
            KraftNodeProperties.plaintext(p, ports.port(), ports.controllerPort());
        } else {
            KraftNodeProperties.saslSsl(p, ports.port(), ports.controllerPort());
            credentials.applyBrokerSecurity(p);
        }
        StringBuilder text = new StringBuilder("# node ").append(node)
                .append(" of the local Kafka cluster; written by 'clonefarm kafka start' at each start: edits are lost\n");
        for (String key : new TreeSet<>(p.stringPropertyNames())) {
            text.append(key).append('=').append(p.getProperty(key)).append('\n');
        }
        Path file = nodeDirectory.resolve(SERVER_PROPERTIES);
        ClusterCredentials.writePrivate(file, text.toString()); // it may hold the keystore and SCRAM passwords
        return file;
    }

    /** Starts {@code clonefarm kafka broker} for a node in its own session, so no terminal signal reaches it. */
    private Process launch(String mainClass, int node, Path nodeDirectory) throws IOException {
        List<String> command = new ArrayList<>();
        for (String setsid : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(setsid))) {
                command.add(setsid); // without --fork it execs in place: the pid stays the JVM's
                break;
            }
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx512m", "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
                mainClass, "kafka", "broker", "--data", dataDirectory.toString(), "--node", Integer.toString(node)));
        Path log = nodeDirectory.resolve(BROKER_LOG);
        try (Writer writer = Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)) {
            writer.write("--- " + java.time.Instant.now() + " starting node " + node + "\n");
        }
        Process process = new ProcessBuilder(command)
                .directory(nodeDirectory.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        // the node writes its own pid as well; this one is there from the first moment, for stop
        org.clonefarm.platform.io.DurableFiles.replace(nodeDirectory.resolve(PID_FILE),
                Long.toString(process.pid()).getBytes(StandardCharsets.US_ASCII));
        return process;
    }

    private void awaitServing(ClusterManifest manifest, ClusterCredentials credentials, Map<Integer, Process> launched,
            Duration timeout, PrintStream progress) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextProgress = start + PROGRESS_EVERY.toNanos();
        Set<Integer> all = new TreeSet<>();
        for (int node = 1; node <= manifest.brokers(); node++) {
            all.add(node);
        }
        Set<Integer> serving = Set.of();
        String lastError = null;
        Admin admin = null;
        try {
            while (true) {
                for (Map.Entry<Integer, Process> node : launched.entrySet()) {
                    if (!node.getValue().isAlive()) {
                        throw new EmbeddedKafkaException("node " + node.getKey() + " exited with code "
                                + node.getValue().exitValue() + " while starting; the end of its log "
                                + nodeDirectory(node.getKey()).resolve(BROKER_LOG) + ":\n" + tail(node.getKey(), 15));
                    }
                }
                if (admin == null) {
                    serving = accepting(manifest); // until every port listens, "serving" is "listening"
                    if (serving.containsAll(all)) {
                        // connect only once every port listens: a client dialling a closed port logs a warning each time
                        admin = Admin.create(probeSettings(manifest, credentials, manifest.bootstrapServers()));
                        serving = Set.of();
                    }
                }
                if (admin != null) {
                    try {
                        serving = nodeIds(admin.describeCluster().nodes().get(3, TimeUnit.SECONDS));
                        if (serving.containsAll(all)) {
                            progress.println("kafka: all " + all.size() + " nodes serve (" + seconds(start) + " s)");
                            return;
                        }
                    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                        lastError = EmbeddedKafka.rootMessage(e);
                    }
                }
                long now = System.nanoTime();
                if (now > deadline) {
                    Set<Integer> waiting = new TreeSet<>(all);
                    waiting.removeAll(serving);
                    throw new EmbeddedKafkaException("Kafka " + nodes(waiting) + " did not serve within "
                            + timeout.toSeconds() + " s" + (lastError == null ? "" : " (last answer: " + lastError + ")")
                            + "; see " + nodeDirectory(waiting.iterator().next()).resolve(BROKER_LOG));
                }
                if (now > nextProgress) {
                    Set<Integer> waiting = new TreeSet<>(all);
                    waiting.removeAll(serving);
                    progress.println("kafka: waiting for " + nodes(waiting) + " to serve (" + seconds(start) + " s)");
                    nextProgress = now + PROGRESS_EVERY.toNanos();
                }
                Thread.sleep(POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while waiting for the Kafka nodes to serve", e);
        } finally {
            if (admin != null) {
                admin.close(Duration.ofSeconds(2));
            }
        }
    }

    private static Set<Integer> accepting(ClusterManifest manifest) {
        Set<Integer> accepting = new TreeSet<>();
        for (int node = 1; node <= manifest.brokers(); node++) {
            if (accepts(manifest.node(node).port())) {
                accepting.add(node);
            }
        }
        return accepting;
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(KraftNodeProperties.HOST, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Set<Integer> nodeIds(Collection<Node> nodes) {
        return nodes.stream().map(Node::id).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Admin settings for the cluster's own checks: the brokers' super user when secured. */
    private Map<String, Object> probeSettings(ClusterManifest manifest, ClusterCredentials credentials, String servers) {
        Map<String, Object> config = new HashMap<>();
        if (credentials != null) {
            config.putAll(credentials.clientSettings(ClusterPrincipal.BROKER, servers, credentials.caPem()));
        }
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, servers);
        config.put(CommonClientConfigs.CLIENT_ID_CONFIG, "clonefarm-kafka");
        config.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        config.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        return config;
    }

    private void grantAcls(ClusterManifest manifest, ClusterCredentials credentials, StartPlan plan,
            PrintStream progress) {
        List<AclBinding> acls = new ArrayList<>();
        for (ClusterPrincipal principal : ClusterPrincipal.values()) {
            acls.addAll(principal.acls(plan.topics(), plan.workerGroup()));
        }
        try (Admin admin = Admin.create(probeSettings(manifest, credentials, manifest.bootstrapServers()))) {
            admin.createAcls(acls).all().get(30, TimeUnit.SECONDS); // an ACL that exists is left as it is
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new EmbeddedKafkaException("cannot grant the clonefarm ACLs: " + EmbeddedKafka.rootMessage(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while granting the clonefarm ACLs", e);
        }
        progress.println("kafka: " + acls.size() + " ACLs for " + Arrays.stream(ClusterPrincipal.values())
                .map(ClusterPrincipal::user).collect(Collectors.joining(", ")) + " (README.md, \"Run it on your Kafka\")");
    }

    private TopicLayout.Reconciliation createTopics(ClusterManifest manifest, StartPlan plan, PrintStream progress) {
        KafkaSettings settings = manifest.security() == ClusterSecurity.SASL_SSL
                ? KafkaSettings.of(null, clientProperties(ClusterPrincipal.OPERATOR)) // as a user would, from its file
                : KafkaSettings.of(manifest.bootstrapServers());
        TopicLayout.Reconciliation result;
        try (Admin admin = Admin.create(settings.admin("clonefarm-kafka-start"))) {
            result = plan.topics().reconcile(admin, plan.timeout().toMillis());
        }
        if (!result.created().isEmpty()) {
            progress.println("kafka: created topics " + String.join(", ", result.created()) + " (replication factor "
                    + result.replicationFactor() + ", min.insync.replicas "
                    + TopicLayout.minInsyncReplicasFor(result.replicationFactor()) + ")");
        }
        for (String warning : result.warnings()) {
            progress.println("kafka: warning: " + warning);
        }
        return result;
    }

    /** Every node and where it is. @throws EmbeddedKafkaException when there is no cluster */
    public List<NodeStatus> status() {
        ClusterManifest manifest = manifest();
        Map<Integer, OptionalLong> pids = new LinkedHashMap<>();
        List<String> alive = new ArrayList<>();
        for (int node = 1; node <= manifest.brokers(); node++) {
            OptionalLong pid = runningPid(node);
            pids.put(node, pid);
            if (pid.isPresent() && accepts(manifest.node(node).port())) {
                alive.add(KraftNodeProperties.HOST + ":" + manifest.node(node).port());
            }
        }
        Set<Integer> serving = Set.of();
        if (!alive.isEmpty()) {
            ClusterCredentials credentials = null;
            try {
                if (manifest.security() == ClusterSecurity.SASL_SSL) {
                    credentials = ClusterCredentials.load(directory);
                }
            } catch (IOException e) {
                throw new EmbeddedKafkaException("cannot read the cluster's secrets in " + directory + ": " + e, e);
            }
            try (Admin admin = Admin.create(probeSettings(manifest, credentials, String.join(",", alive)))) {
                serving = nodeIds(admin.describeCluster().nodes().get(5, TimeUnit.SECONDS));
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                serving = Set.of(); // no quorum or no answer: a process that runs is not ready
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddedKafkaException("interrupted while asking the Kafka nodes", e);
            }
        }
        List<NodeStatus> status = new ArrayList<>();
        for (Map.Entry<Integer, OptionalLong> node : pids.entrySet()) {
            NodeStatus.State state = node.getValue().isEmpty() ? NodeStatus.State.STOPPED
                    : serving.contains(node.getKey()) ? NodeStatus.State.RUNNING : NodeStatus.State.NOT_READY;
            status.add(new NodeStatus(node.getKey(), node.getValue(), manifest.node(node.getKey()).port(), state));
        }
        return status;
    }

    /**
     * Stops every node that runs: SIGTERM to all at once (each moves its leaderships away and shuts down
     * in order), then waits, saying every few seconds who it waits for; a node still running after
     * {@code timeout} gets SIGKILL, and that is said (its logs are recovered at its next start).
     *
     * @return the nodes that ran and were stopped
     * @throws EmbeddedKafkaException when there is no cluster
     */
    public List<Integer> stop(Duration timeout, PrintStream progress) {
        List<Integer> all = new ArrayList<>();
        for (int node = 1; node <= brokers(); node++) {
            all.add(node);
        }
        return stop(all, timeout, progress);
    }

    /** {@link #stop(Duration, PrintStream)} for some nodes only. */
    public List<Integer> stop(Collection<Integer> nodes, Duration timeout, PrintStream progress) {
        try {
            Files.createDirectories(directory);
            try (FileChannel channel = FileChannel.open(directory.resolve(".cluster.lock"),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                    FileLock lock = lockOrWait(channel, progress)) {
                return stopLocked(nodes, timeout, progress);
            }
        } catch (IOException e) {
            throw new EmbeddedKafkaException("cannot stop the Kafka cluster in " + directory + ": " + e, e);
        }
    }

    private List<Integer> stopLocked(Collection<Integer> nodes, Duration timeout, PrintStream progress) {
        Map<Integer, ProcessHandle> running = new TreeMap<>();
        for (int node : new TreeSet<>(nodes)) {
            OptionalLong pid = runningPid(node);
            if (pid.isPresent()) {
                Optional<ProcessHandle> handle = ProcessHandle.of(pid.getAsLong());
                if (handle.isPresent()) {
                    running.put(node, handle.get());
                    progress.println("kafka: stopping node " + node + " (pid " + pid.getAsLong() + ", SIGTERM)");
                    handle.get().destroy();
                }
            } else {
                deletePidFile(node);
            }
        }
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextProgress = start + PROGRESS_EVERY.toNanos();
        Map<Integer, ProcessHandle> waiting = new TreeMap<>(running);
        try {
            while (!waiting.isEmpty()) {
                waiting.values().removeIf(handle -> !handle.isAlive());
                if (waiting.isEmpty()) {
                    break;
                }
                long now = System.nanoTime();
                if (now > deadline) {
                    for (Map.Entry<Integer, ProcessHandle> node : waiting.entrySet()) {
                        progress.println("kafka: node " + node.getKey() + " (pid " + node.getValue().pid()
                                + ") did not stop within " + timeout.toSeconds() + " s: killing it (SIGKILL); its"
                                + " logs are recovered at its next start");
                        node.getValue().destroyForcibly();
                    }
                    for (ProcessHandle handle : waiting.values()) {
                        handle.onExit().get(10, TimeUnit.SECONDS);
                    }
                    break;
                }
                if (now > nextProgress) {
                    progress.println("kafka: waiting for " + nodes(waiting.keySet()) + " to stop (" + seconds(start)
                            + " s of " + timeout.toSeconds() + ")");
                    nextProgress = now + PROGRESS_EVERY.toNanos();
                }
                Thread.sleep(POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while stopping Kafka " + nodes(waiting.keySet()), e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new EmbeddedKafkaException("Kafka " + nodes(waiting.keySet()) + " did not end even after SIGKILL", e);
        }
        for (int node : running.keySet()) {
            deletePidFile(node);
        }
        return new ArrayList<>(running.keySet());
    }

    /**
     * The pid of a node's process when it runs: the pid file names a live process whose command line is
     * this node's {@code kafka broker}, so a stale file whose pid was reused is not taken for it.
     */
    OptionalLong runningPid(int node) {
        Path file = nodeDirectory(node).resolve(PID_FILE);
        long pid;
        try {
            pid = Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim());
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive() || !isNodeProcess(pid, node)) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(pid);
    }

    private boolean isNodeProcess(long pid, int node) {
        List<String> arguments = commandLine(pid);
        List<String> expected = List.of("broker", "--data", dataDirectory.toString(), "--node", Integer.toString(node));
        return java.util.Collections.indexOfSubList(arguments, expected) >= 0;
    }

    private static List<String> commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0"));
        } catch (IOException e) {
            return ProcessHandle.of(pid).flatMap(h -> h.info().arguments()).map(Arrays::asList).orElse(List.of());
        }
    }

    private void deletePidFile(int node) {
        try {
            Files.deleteIfExists(nodeDirectory(node).resolve(PID_FILE));
        } catch (IOException e) {
            // a stale pid file is harmless: the command line check does not take another process for the node
        }
    }

    private String tail(int node, int lines) {
        Path log = nodeDirectory(node).resolve(BROKER_LOG);
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long length = file.length();
            long from = Math.max(0, length - 16 * 1024);
            byte[] bytes = new byte[(int) (length - from)];
            file.seek(from);
            file.readFully(bytes);
            List<String> all = new String(bytes, StandardCharsets.UTF_8).lines().collect(Collectors.toList());
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read it: " + e.getMessage() + ")";
        }
    }

    /** "node 2" or "nodes 1, 3". */
    private static String nodes(Collection<Integer> nodes) {
        return (nodes.size() == 1 ? "node " : "nodes ") + nodes.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    private static long seconds(long startNanos) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
    }
}
