package org.clonefarm.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.clonefarm.messaging.KafkaSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The clonefarm pods of both overlays are wired as the command needs them: their arguments parse with the
 * real {@code clonefarm} command (picocli), every file an argument names is in a mounted volume, and the
 * secured overlay's client file, with the secrets mounted where Strimzi's User Operator and cluster CA
 * secrets put them, makes a Kafka client through clonefarm's own {@link KafkaSettings}.
 */
class KubernetesWiringTest {

    /** The containers of the overlay that run the clonefarm command (no command of their own, arguments). */
    private static List<JsonNode> clonefarmContainers(List<JsonNode> documents) {
        List<JsonNode> containers = new ArrayList<>();
        for (String kind : List.of("Deployment", "DaemonSet")) {
            for (JsonNode workload : DeployFiles.ofKind(documents, kind)) {
                for (JsonNode container : workload.at("/spec/template/spec/containers")) {
                    if (container.path("image").asText().startsWith("clonefarm/") && !container.has("command")) {
                        containers.add(container);
                    }
                }
            }
        }
        return containers;
    }

    private static List<String> arguments(JsonNode container) {
        List<String> arguments = new ArrayList<>();
        container.get("args").forEach(argument -> arguments.add(argument.asText()));
        return arguments;
    }

    @ParameterizedTest(name = "overlays/{0}")
    @ValueSource(strings = {"plain", "secured"})
    void everyClonefarmContainersArgumentsParseAsItsComponentsCommand(String overlay) {
        List<JsonNode> containers = clonefarmContainers(DeployFiles.documents(DeployFiles.render(overlay)));

        assertThat(containers).extracting(c -> c.get("name").asText()).containsExactlyInAnyOrder("coordinator", "worker");
        for (JsonNode container : containers) {
            assertThat(ClonefarmCommands.parse(arguments(container))).isEqualTo(container.get("name").asText());
        }
    }

    @ParameterizedTest(name = "overlays/{0}")
    @ValueSource(strings = {"plain", "secured"})
    void everyPathAnArgumentNamesIsInAMountedVolume(String overlay) {
        for (JsonNode container : clonefarmContainers(DeployFiles.documents(DeployFiles.render(overlay)))) {
            List<String> mounts = new ArrayList<>();
            container.path("volumeMounts").forEach(mount -> mounts.add(mount.get("mountPath").asText()));
            for (String argument : arguments(container)) {
                String value = argument.contains("=") ? argument.substring(argument.indexOf('=') + 1) : argument;
                if (value.startsWith("/")) {
                    assertThat(mounts).as("%s: %s", container.get("name").asText(), argument)
                            .anyMatch(mount -> value.equals(mount) || value.startsWith(mount + "/"));
                }
            }
        }
    }

    @Test
    void theSecuredClientFileWithStrimzisSecretsMountedMakesAKafkaClientOfTheUser(@TempDir Path mounted) throws Exception {
        List<JsonNode> documents = DeployFiles.documents(DeployFiles.render(DeployFiles.MAIN_OVERLAY));
        // the ConfigMap the coordinator mounts (kustomize's generator suffixes its name with a hash)
        JsonNode volume = null;
        for (JsonNode v : DeployFiles.named(documents, "Deployment", "clonefarm-coordinator").at("/spec/template/spec/volumes")) {
            if (v.get("name").asText().equals("kafka-client")) {
                volume = v;
            }
        }
        assertThat(volume).as("the coordinator's volume kafka-client").isNotNull();
        String text = DeployFiles.named(documents, "ConfigMap", volume.at("/configMap/name").asText())
                .at("/data/kafka-client.properties").asText();
        JsonNode coordinator = clonefarmContainers(documents).stream()
                .filter(c -> c.get("name").asText().equals("coordinator")).findFirst().orElseThrow();
        List<String> mounts = new ArrayList<>();
        coordinator.path("volumeMounts").forEach(mount -> mounts.add(mount.get("mountPath").asText()));
        // the KafkaUser's secret (keys password, sasl.jaas.config) and the cluster CA's ca.crt, as mounted
        String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"coordinator\" password=\"s3cret\";";
        Path user = mounted.resolve("etc/clonefarm/kafka-user");
        Path ca = mounted.resolve("etc/clonefarm/cluster-ca");
        Files.createDirectories(user);
        Files.createDirectories(ca);
        Files.writeString(user.resolve("sasl.jaas.config"), jaas);
        Files.writeString(user.resolve("password"), "s3cret");
        Path store = mounted.resolve("ca.p12");
        ImageTarball.run(List.of("keytool", "-genkeypair", "-alias", "ca", "-dname", "CN=cluster-ca", "-keyalg", "RSA",
                "-keysize", "2048", "-ext", "bc:c", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit"), 60);
        Files.writeString(ca.resolve("ca.crt"), ImageTarball.run(List.of("keytool", "-exportcert", "-rfc", "-alias", "ca",
                "-keystore", store.toString(), "-storepass", "changeit"), 60));
        // the same file with /etc/clonefarm/ where this test mounted it
        Properties properties = new Properties();
        properties.load(new java.io.StringReader(text.replace("/etc/clonefarm/", mounted + "/etc/clonefarm/")));
        Path file = mounted.resolve("kafka-client.properties");
        try (var out = Files.newBufferedWriter(file)) {
            properties.store(out, null);
        }

        Map<String, Object> config = KafkaSettings.of("127.0.0.1:9", file).producer("deploy-check");

        assertThat(mounts).contains("/etc/clonefarm/kafka-user", "/etc/clonefarm/cluster-ca");
        assertThat(text).contains("/etc/clonefarm/kafka-user:sasl.jaas.config", "/etc/clonefarm/cluster-ca/ca.crt");
        assertThat(new ProducerConfig(config).getPassword("sasl.jaas.config").value()).isEqualTo(jaas);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
            assertThat(producer.metrics()).isNotEmpty();
        }
    }
}
