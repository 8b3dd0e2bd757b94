package org.clonefarm.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.clonefarm.cli.console.ProcessLogging;
import org.clonefarm.cli.embedded.BrokerNode;
import org.clonefarm.cli.embedded.ClusterPrincipal;
import org.clonefarm.cli.embedded.ClusterSecurity;
import org.clonefarm.cli.embedded.EmbeddedKafkaException;
import org.clonefarm.cli.embedded.LocalKafkaCluster;
import org.clonefarm.cli.embedded.NodeStatus;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicLayoutException;
import org.clonefarm.worker.service.WorkerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code clonefarm kafka}: a Kafka cluster of real broker processes on this machine, in the data
 * directory ({@link LocalKafkaCluster}): {@code start}, {@code status}, {@code stop}, and the hidden
 * {@code broker} that each node runs.
 */
@Command(name = "kafka", mixinStandardHelpOptions = true,
        description = {
            "A Kafka cluster of real broker processes on this machine, kept in DIR/kafka: each node a KRaft broker",
            "and controller in its own JVM, detached from the command that starts it. 'up --brokers N' uses it too.",
            "docs/kafka.md has the files it writes; README.md, \"Run it on your Kafka\", the principals and their ACLs."
        },
        subcommands = {KafkaCommand.Start.class, KafkaCommand.Status.class, KafkaCommand.Stop.class,
                KafkaCommand.Broker.class})
public final class KafkaCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code clonefarm kafka start}: starts the nodes that do not run and prints where the cluster is. */
    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {
                "Start the nodes of the cluster that do not run (all of them the first time), wait until every node",
                "serves, create the clonefarm topics that are missing (replication factor min(3, brokers),",
                "min.insync.replicas one less), then print bootstrap.servers=HOST:PORT,... on stdout.",
                "The first start fixes the number of brokers, the security and the ports; later starts keep them.",
                "With --security sasl-ssl: the cluster's own CA, SCRAM-SHA-512 users coordinator, worker, guest and",
                "operator with least-privilege ACLs, and their client files in DIR/security/ for --kafka-config."
            })
    static final class Start implements Callable<Integer> {
        @Mixin
        DataDirectoryOption data;

        @Option(names = "--brokers", paramLabel = "N",
                description = "Nodes of a new cluster, 1-" + LocalKafkaCluster.MAX_BROKERS + " (default "
                        + LocalKafkaCluster.DEFAULT_BROKERS + "); an existing cluster keeps its number.")
        Integer brokers;

        @Option(names = "--security", paramLabel = "none|sasl-ssl",
                description = "Security of a new cluster: none (PLAINTEXT on loopback, the default) or sasl-ssl"
                        + " (TLS with hostname verification, SCRAM-SHA-512, ACLs); an existing cluster keeps its own.")
        String security;

        @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = TopicLayout.DEFAULT_PREFIX,
                description = "Prefix of the topics to create and, when secured, of the topics the ACLs name"
                        + " (default: ${DEFAULT-VALUE}).")
        String topicPrefix;

        @Option(names = "--startup-timeout", paramLabel = "SECONDS", defaultValue = "120",
                description = "How long to wait for every node to serve (default: ${DEFAULT-VALUE}).")
        int startupTimeoutSeconds;

        @Override
        public Integer call() {
            if (brokers != null && (brokers < 1 || brokers > LocalKafkaCluster.MAX_BROKERS)) {
                throw UserError.usage("--brokers " + brokers + " must be 1-" + LocalKafkaCluster.MAX_BROKERS + ".");
            }
            if (startupTimeoutSeconds < 1 || startupTimeoutSeconds > 3600) {
                throw UserError.usage("--startup-timeout " + startupTimeoutSeconds + " must be 1-3600 seconds.");
            }
            ClusterSecurity mode;
            TopicLayout topics;
            try {
                mode = security == null ? null : ClusterSecurity.parse(security);
                topics = TopicLayout.builder().prefix(topicPrefix).build();
            } catch (IllegalArgumentException e) {
                throw UserError.usage(e.getMessage());
            }
            Path dataDir = data.writable();
            LocalKafkaCluster cluster = LocalKafkaCluster.at(dataDir);
            LocalKafkaCluster.Started started;
            try {
                started = cluster.start(new LocalKafkaCluster.StartPlan(brokers == null ? 0 : brokers, mode, topics,
                        WorkerConfig.DEFAULT_GROUP, Duration.ofSeconds(startupTimeoutSeconds), Main.class.getName()),
                        System.err);
            } catch (EmbeddedKafkaException | TopicLayoutException e) {
                throw new UserError(e.getMessage(), e);
            }
            if (cluster.security() == ClusterSecurity.SASL_SSL) {
                System.err.println("kafka: client settings (--kafka-config) in " + cluster.securityDirectory() + "/{"
                        + List.of(ClusterPrincipal.values()).stream().map(ClusterPrincipal::user)
                                .collect(Collectors.joining(",")) + "}.properties; the CA certificate in "
                        + cluster.securityDirectory().resolve("ca.pem"));
            }
            System.out.println("bootstrap.servers=" + started.bootstrapServers());
            System.out.flush();
            return 0;
        }
    }

    /** {@code clonefarm kafka status}: one line per node. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {
                "One line per node of the cluster: node=ID pid=PID port=PORT state=running|stopped|not-ready",
                "(not-ready: its process runs but the cluster does not count it among its live brokers yet)."
            })
    static final class Status implements Callable<Integer> {
        @Mixin
        DataDirectoryOption data;

        @Override
        public Integer call() {
            try {
                for (NodeStatus node : LocalKafkaCluster.at(data.path()).status()) {
                    System.out.println(node.line());
                }
            } catch (EmbeddedKafkaException e) {
                throw new UserError(e.getMessage(), e);
            }
            System.out.flush();
            return 0;
        }
    }

    /** {@code clonefarm kafka stop}: SIGTERM to every node, SIGKILL after the timeout. */
    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = {
                "Stop every node of the cluster: SIGTERM to all, then wait (saying for whom every 5 s); a node still",
                "running after --timeout gets SIGKILL, which is said. The data stays: 'start' brings the cluster back."
            })
    static final class Stop implements Callable<Integer> {
        @Mixin
        DataDirectoryOption data;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
                description = "How long to wait for the nodes after SIGTERM before SIGKILL (default: ${DEFAULT-VALUE}).")
        int timeoutSeconds;

        @Override
        public Integer call() {
            if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
                throw UserError.usage("--timeout " + timeoutSeconds + " must be 1-3600 seconds.");
            }
            List<Integer> stopped;
            try {
                stopped = LocalKafkaCluster.at(data.path()).stop(Duration.ofSeconds(timeoutSeconds), System.err);
            } catch (EmbeddedKafkaException e) {
                throw new UserError(e.getMessage(), e);
            }
            System.out.println(stopped.isEmpty() ? "no node was running"
                    : "stopped nodes " + stopped.stream().map(String::valueOf).collect(Collectors.joining(", ")));
            System.out.flush();
            return 0;
        }
    }

    /** {@code clonefarm kafka broker}: one node, in this process; what {@code start} launches. */
    @Command(name = "broker", hidden = true,
            description = "Run node --node of the cluster in DIR/kafka in this process (what 'kafka start' launches).")
    static final class Broker implements Callable<Integer> {
        @Mixin
        DataDirectoryOption data;

        @Option(names = "--node", paramLabel = "N", required = true, description = "The node id.")
        int node;

        @Override
        public Integer call() {
            ProcessLogging.showKafkaClient(); // the node's connections to its peers are part of its log
            return BrokerNode.run(data.path(), node);
        }
    }
}
