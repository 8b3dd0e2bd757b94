package org.clonefarm.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.metadata.UserScramCredentialRecord;
import org.apache.kafka.common.security.ssl.SslPrincipalMapper;
import org.apache.kafka.metadata.bootstrap.BootstrapDirectory;
import org.apache.kafka.server.common.ApiMessageAndVersion;
import org.clonefarm.cli.embedded.ClusterPrincipal;
import org.clonefarm.messaging.KafkaSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secured compose cluster's secrets and node start, run for real outside a container: make-secrets.sh
 * (the JDK's keytool) makes key stores, a CA and client files that Kafka's own code accepts, and
 * kafka-node.sh writes a valid broker configuration and formats a node's storage, once, with every SCRAM
 * user, through Kafka 4.3.1's own storage tool. Container paths are turned into the files compose mounts
 * there (the services' {@code volumes}), so a file no volume provides fails the test.
 */
class ComposeSecretsTest {
    private static final List<String> NODES = List.of("kafka-1", "kafka-2", "kafka-3");

    @TempDir
    static Path work;
    /** What make-secrets.sh made: deploy/compose/secured/secrets as compose expects it. */
    private static Path secrets;

    @BeforeAll
    static void makeSecrets() {
        secrets = work.resolve("secrets");
        ImageTarball.run(List.of("bash", DeployFiles.ROOT.resolve("deploy/compose/secured/make-secrets.sh").toString(),
                secrets.toString()), 180);
    }

    /** The file a service sees at {@code containerPath}: a bind mount of {@code ./secrets/...}. */
    @SuppressWarnings("unchecked")
    private static Path hostPath(String service, String containerPath) {
        List<String> volumes = (List<String>) ComposeFilesTest.services("secured").get(service).get("volumes");
        for (String volume : volumes) {
            String[] parts = volume.split(":");
            if (parts[0].startsWith("./secrets/") && (containerPath.equals(parts[1]) || containerPath.startsWith(parts[1] + "/"))) {
                return secrets.resolve(parts[0].substring("./secrets/".length()) + containerPath.substring(parts[1].length()));
            }
        }
        throw new AssertionError(service + " mounts nothing of ./secrets at " + containerPath + "; its volumes: " + volumes);
    }

    private static Map<String, String> nodeEnvironment(String node) {
        return ComposeFilesTest.environment(ComposeFilesTest.services("secured").get(node));
    }

    @Test
    void eachNodesCertificateIsForItsHostSignedByTheCaAndNamesTheOnlySuperUser() throws Exception {
        X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(hostPath("kafka-1", "/etc/kafka/secrets/ca.pem")));
        for (String node : NODES) {
            Map<String, String> env = nodeEnvironment(node);
            KeyStore store = KeyStore.getInstance("PKCS12");
            char[] password = Files.readString(hostPath(node, "/etc/kafka/secrets/keystore.password")).toCharArray();
            try (InputStream in = Files.newInputStream(hostPath(node, env.get("KAFKA_SSL_KEYSTORE_LOCATION")))) {
                store.load(in, password);
            }
            X509Certificate certificate = (X509Certificate) store.getCertificate(node);
            certificate.verify(ca.getPublicKey());
            Set<String> names = new TreeSet<>();
            certificate.getSubjectAlternativeNames().forEach(name -> names.add(String.valueOf(name.get(1))));
            String principal = SslPrincipalMapper.fromRules(env.get("KAFKA_SSL_PRINCIPAL_MAPPING_RULES"))
                    .getName(certificate.getSubjectX500Principal().getName());

            assertThat(names).as(node).contains(node);
            assertThat(store.getKey(node, password)).as(node).isNotNull();
            assertThat(principal).isEqualTo(ClusterPrincipal.BROKER);
            assertThat(env.get("KAFKA_SUPER_USERS")).isEqualTo("User:" + ClusterPrincipal.BROKER);
        }
    }

    @Test
    void eachServicesClientFileMakesAKafkaClientOfItsOwnPrincipalAndOnlyRootReadsIt() throws Exception {
        Map<String, String> principals = Map.of("coordinator", "coordinator", "worker", "worker", "cli", "operator");
        for (Map.Entry<String, String> service : principals.entrySet()) {
            Path file = hostPath(service.getKey(), "/etc/clonefarm/kafka/" + service.getValue() + ".properties");
            Properties properties = new Properties();
            properties.load(Files.newBufferedReader(file));
            // the client runs inside the container: its trust store is where compose mounts the CA
            properties.setProperty("ssl.truststore.location",
                    hostPath(service.getKey(), properties.getProperty("ssl.truststore.location")).toString());
            Path local = work.resolve(service.getValue() + "-local.properties");
            try (var out = Files.newBufferedWriter(local)) {
                properties.store(out, null);
            }
            Map<String, Object> config = KafkaSettings.of("127.0.0.1:9", local).producer("deploy-check");

            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as("%s", file).isEqualTo("rw-------");
            assertThat(new ProducerConfig(config).getPassword("sasl.jaas.config").value())
                    .contains("username=\"" + service.getValue() + "\"");
            // the constructor loads the PEM trust store and the SCRAM login: a bad file fails here
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
                assertThat(producer.metrics()).isNotEmpty();
            }
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets))).isEqualTo("rwx------");
    }

    @Test
    void kafkaNodeScriptWritesAValidBrokerConfigurationAndFormatsTheStorageOnceWithEveryScramUser() throws Exception {
        Path home = work.resolve("kafka-home");
        Path calls = work.resolve("calls");
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(calls);
        // stand-ins for the image's scripts: they record their arguments (one per line); the test runs the
        // real storage tool with them, in process
        for (String script : List.of("kafka-storage.sh", "kafka-server-start.sh")) {
            Path stub = home.resolve("bin").resolve(script);
            Files.writeString(stub, "#!/bin/bash\nprintf '%s\\n' \"$@\" > '" + calls.resolve(script) + "'\n");
            stub.toFile().setExecutable(true);
        }
        Path logDirs = work.resolve("kafka-1-data");
        Map<String, String> env = new HashMap<>(nodeEnvironment("kafka-1"));
        env.put("KAFKA_LOG_DIRS", logDirs.toString());
        env.put("KAFKA_HOME", home.toString());
        env.put("KAFKA_SECRETS_DIR", hostPath("kafka-1", "/etc/kafka/secrets").toString());
        env.put("PATH", System.getenv("PATH"));

        runNodeScript(env);
        List<String> format = Files.readAllLines(calls.resolve("kafka-storage.sh"));
        Path config = home.resolve("config/clonefarm-node.properties");
        Properties properties = new Properties();
        properties.load(Files.newBufferedReader(config));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = kafka.tools.StorageTool.execute(format.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8));

        assertThat(KafkaConfig.fromProps(properties, false).nodeId()).isEqualTo(1);
        assertThat(status).as(out.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(Files.readAllLines(calls.resolve("kafka-server-start.sh"))).containsExactly(config.toString());
        Set<String> users = new TreeSet<>();
        for (ApiMessageAndVersion record : new BootstrapDirectory(logDirs.toString()).read().records()) {
            if (record.message() instanceof UserScramCredentialRecord scram) {
                users.add(scram.name());
            }
        }
        Set<String> expected = new TreeSet<>(List.of(ClusterPrincipal.BROKER));
        Arrays.stream(ClusterPrincipal.values()).forEach(p -> expected.add(p.user()));
        assertThat(users).isEqualTo(expected);

        Files.delete(calls.resolve("kafka-storage.sh"));
        runNodeScript(env);
        assertThat(calls.resolve("kafka-storage.sh")).as("a formatted node is not formatted again").doesNotExist();
    }

    private static void runNodeScript(Map<String, String> env) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("env", "-i"));
        env.forEach((name, value) -> command.add(name + "=" + value));
        command.addAll(List.of("bash", DeployFiles.ROOT.resolve("deploy/compose/secured/kafka-node.sh").toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("kafka-node.sh did not end within 60 s: " + output);
        }
        assertThat(process.exitValue()).as("kafka-node.sh: %s", output).isZero();
    }
}
