package org.clonefarm.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import kafka.server.KafkaConfig;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The compose files, read as Compose reads them: a three-node KRaft cluster whose every node is a valid
 * Kafka 4.3.1 broker and controller, and clonefarm services whose command lines the clonefarm command
 * accepts.
 */
class ComposeFilesTest {
    private static final List<String> NODES = List.of("kafka-1", "kafka-2", "kafka-3");

    /** The image's variables that are not broker properties (kafka-node.sh and the image skip them too). */
    private static final Set<String> NOT_PROPERTIES = Set.of("KAFKA_VERSION", "KAFKA_HEAP_OPTS", "KAFKA_LOG4J_OPTS",
            "KAFKA_OPTS", "KAFKA_JMX_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_GC_LOG_OPTS",
            "KAFKA_LOG4J_ROOT_LOGLEVEL", "KAFKA_LOG4J_LOGGERS", "KAFKA_TOOLS_LOG4J_LOGLEVEL", "KAFKA_JMX_HOSTNAME");

    private static Path file(String name) {
        return name.equals("plain") ? DeployFiles.COMPOSE : DeployFiles.SECURED_COMPOSE;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> services(String name) {
        return (Map<String, Map<String, Object>>) DeployFiles.compose(file(name)).get("services");
    }

    /** A service's environment as the container gets it: Compose's {@code $$} is a {@code $}, no variable is set. */
    @SuppressWarnings("unchecked")
    static Map<String, String> environment(Map<String, Object> service) {
        Map<String, String> env = new TreeMap<>();
        ((Map<String, Object>) service.get("environment")).forEach((k, v) -> {
            String value = String.valueOf(v);
            assertThat(value.replace("$$", "")).as("%s: a single $ is a Compose variable", k).doesNotContain("$");
            env.put(k, value.replace("$$", "$"));
        });
        return env;
    }

    /** The broker property of an image variable: KAFKA_ + upper case, '.' -> '_', '_' -> '__', '-' -> '___'. */
    static String property(String variable) {
        return variable.substring("KAFKA_".length()).toLowerCase(Locale.ROOT)
                .replace("___", "-").replace("__", "#").replace('_', '.').replace('#', '_');
    }

    /** The broker properties of a node, as the image (or kafka-node.sh) writes them. */
    static Properties brokerProperties(Map<String, String> env) {
        Properties properties = new Properties();
        env.forEach((name, value) -> {
            if (name.startsWith("KAFKA_") && !NOT_PROPERTIES.contains(name)) {
                properties.setProperty(property(name), value);
            }
        });
        return properties;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain", "secured"})
    void theServicesAreThreeKafkaNodesTheCoordinatorAndAWorker(String name) {
        assertThat(services(name)).containsKeys("kafka-1", "kafka-2", "kafka-3", "coordinator", "worker");
        for (String node : NODES) {
            assertThat(services(name).get(node).get("image")).isEqualTo("apache/kafka:4.3.1");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain", "secured"})
    void everyNodeIsAVoterOfTheSameThreeVoterQuorumAtItsControllerListener(String name) {
        Set<String> ids = new TreeSet<>();
        Set<String> clusterIds = new TreeSet<>();
        for (String node : NODES) {
            Map<String, String> env = environment(services(name).get(node));
            String id = env.get("KAFKA_NODE_ID");
            ids.add(id);
            clusterIds.add(env.get("CLUSTER_ID"));
            assertThat(Uuid.fromString(env.get("CLUSTER_ID"))).isNotNull();
            assertThat(env.get("KAFKA_PROCESS_ROLES")).isEqualTo("broker,controller");
            String controllerPort = env.get("KAFKA_LISTENERS").replaceAll(".*CONTROLLER://[^:,]*:(\\d+).*", "$1");
            List<String> voters = List.of(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS").split(","));
            assertThat(voters).hasSize(3).contains(id + "@" + node + ":" + controllerPort);
            assertThat(services(name).get(node).get("hostname")).isEqualTo(node);
        }

        assertThat(ids).containsExactly("1", "2", "3");
        assertThat(clusterIds).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain", "secured"})
    void everyNodeIsAValidKafkaBrokerConfiguration(String name) {
        Set<String> known = new TreeSet<>(scala.jdk.javaapi.CollectionConverters.asJava(KafkaConfig.configNames()));
        // StandardAuthorizer's own properties, not in KafkaConfig's definitions
        known.addAll(Set.of("super.users", "allow.everyone.if.no.acl.found"));
        for (String node : NODES) {
            Properties properties = brokerProperties(environment(services(name).get(node)));
            Set<String> listeners = new TreeSet<>();
            for (String listener : properties.getProperty("listeners").split(",")) {
                listeners.add(listener.substring(0, listener.indexOf(':')).toLowerCase(Locale.ROOT));
            }
            for (String property : properties.stringPropertyNames()) {
                // a listener's own setting: listener.name.LISTENER.[MECHANISM.]PROPERTY, of a listener the node has
                java.util.regex.Matcher perListener = java.util.regex.Pattern
                        .compile("listener\\.name\\.([^.]+)\\.(?:[a-z0-9-]+-[0-9]+\\.)?(.+)").matcher(property);
                if (perListener.matches()) {
                    assertThat(listeners).as("%s: %s names a listener of the node", node, property).contains(perListener.group(1));
                    assertThat(known).as("%s: %s is a Kafka broker property", node, property).contains(perListener.group(2));
                } else {
                    assertThat(known).as("%s: %s is a Kafka broker property", node, property).contains(property);
                }
            }
            if (name.equals("secured")) {
                // what kafka-node.sh adds from the secrets
                properties.setProperty("ssl.keystore.password", "x");
                properties.setProperty("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"broker\" password=\"x\";");
            }

            assertThat(KafkaConfig.fromProps(properties, false).nodeId()).isEqualTo(NODES.indexOf(node) + 1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain", "secured"})
    @SuppressWarnings("unchecked")
    void everyClonefarmCommandLineIsOneTheClonefarmCommandAccepts(String name) {
        Map<String, String> expected = Map.of("coordinator", "coordinator", "worker", "worker", "cli", "");
        expected.forEach((service, command) -> {
            List<String> arguments = new ArrayList<>((List<String>) services(name).get(service).get("command"));
            assertThat(ClonefarmCommands.parse(arguments)).as("%s's command %s", service, arguments).isEqualTo(command);
        });
    }

    @Test
    void anOptionTheCommandDoesNotHaveIsRefused() {
        assertThatThrownBy(() -> ClonefarmCommands.parse(List.of("worker", "--kafka-conf=/x")))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--kafka-conf");
    }

    @Test
    @SuppressWarnings("unchecked")
    void eachSecuredServiceHasItsOwnClientPropertiesMounted() {
        for (String service : List.of("coordinator", "worker")) {
            List<String> command = (List<String>) services("secured").get(service).get("command");
            String config = command.stream().filter(a -> a.startsWith("--kafka-config=")).findFirst().orElseThrow()
                    .substring("--kafka-config=".length());
            List<String> volumes = (List<String>) services("secured").get(service).get("volumes");

            assertThat(volumes).contains("./secrets/clients/" + service + ".properties:" + config + ":ro",
                    "./secrets/clients/ca.pem:/etc/clonefarm/kafka/ca.pem:ro");
        }
        // the simulation's guest agents, which the coordinator boots, speak as the guests' principal
        List<String> coordinator = (List<String>) services("secured").get("coordinator").get("command");
        String guests = coordinator.stream().filter(a -> a.startsWith("--guest-kafka-config=")).findFirst().orElseThrow()
                .substring("--guest-kafka-config=".length());
        assertThat((List<String>) services("secured").get("coordinator").get("volumes"))
                .contains("./secrets/clients/guest.properties:" + guests + ":ro");
    }

    @Test
    void variablesMapToPropertiesByTheImagesRule() {
        assertThat(property("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP")).isEqualTo("listener.security.protocol.map");
        assertThat(property("KAFKA_LISTENER_NAME_SASL__SSL_SCRAM___SHA___512_SASL_JAAS_CONFIG"))
                .isEqualTo("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config");
    }
}
