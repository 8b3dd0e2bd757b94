package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clonefarm kafka start --security sasl-ssl} on three broker processes: each principal's client
 * file works as {@code --kafka-config} for what that principal may do and nothing else, and a wrong
 * password or a CA the cluster's certificates are not from is refused, each with the exception and the
 * sentence a user sees.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class SecuredKafkaClusterTest {
    private static final Pattern BOOTSTRAP = Pattern.compile("bootstrap\\.servers=(\\S+)");
    private static final TopicLayout TOPICS = TopicLayout.defaults();

    @TempDir
    Path data;

    @AfterEach
    void stopWhatTheTestStarted() throws Exception {
        KafkaClusterSweep.stopAndSweep(data);
    }

    @Test
    void eachPrincipalMayDoOnlyItsPartAndStrangersAreRefused() throws Exception {
        Path out = data.resolve("start.out");
        Path err = data.resolve("start.err");
        Process start = new ProcessBuilder(UpCommandTest.javaCommand("kafka", "start", "--data", data.toString(),
                "--brokers", "3", "--security", "sasl-ssl")).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(start.waitFor(5, TimeUnit.MINUTES)).as("kafka start ends").isTrue();
        assertThat(start.exitValue()).as(Files.readString(err)).isZero();
        Matcher bootstrap = BOOTSTRAP.matcher(Files.readString(out));
        assertThat(bootstrap.find()).isTrue();
        assertThat(Files.readString(err)).contains("kafka: created topics");

        Path security = data.resolve("security");
        for (String principal : List.of("coordinator", "worker", "guest", "operator")) {
            Path file = security.resolve(principal + ".properties");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(file.toString())
                    .isEqualTo("rw-------");
            assertThat(load(file)).containsEntry("bootstrap.servers", bootstrap.group(1))
                    .containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                    .containsEntry("ssl.endpoint.identification.algorithm", "https");
        }
        assertThat(Files.readString(security.resolve("ca.pem"))).startsWith("-----BEGIN CERTIFICATE-----\n");

        KafkaSettings operator = settings("operator");
        KafkaSettings coordinator = settings("coordinator");
        KafkaSettings worker = settings("worker");
        KafkaSettings guest = settings("guest");

        // the operator made the topics; it alone may create, the services may not
        try (Admin admin = Admin.create(operator.admin("operator"))) {
            assertThat(admin.listTopics().names().get(60, TimeUnit.SECONDS)).containsAll(TOPICS.allTopics());
            admin.createTopics(List.of(new NewTopic("clonefarm.extra", 1, (short) 3))).all().get(60, TimeUnit.SECONDS);
        }
        try (Admin admin = Admin.create(coordinator.admin("coordinator"))) {
            assertThat(cause(() -> admin.createTopics(List.of(new NewTopic("clonefarm.coordinator-made", 1, (short) 3)))
                    .all().get(60, TimeUnit.SECONDS))).isInstanceOf(TopicAuthorizationException.class);
            assertThat(TOPICS.reconcile(admin, 60_000).created()).as("the coordinator checks the topics").isEmpty();
        }

        // the coordinator writes events; the operator a request, which a worker reads in its group
        send(coordinator, TOPICS.events(), "LINUX001");
        send(operator, TOPICS.cloneRequests(), "LINUX002");
        assertThat(readInGroup(worker, TOPICS.cloneRequests(), "clonefarm-workers")).isEqualTo("LINUX002");

        // a guest may write its own topic and nothing else
        send(guest, TOPICS.guestEvents(), "LINUX003");
        assertThat(cause(() -> send(guest, TOPICS.cloneRequests(), "LINUX003")))
                .isInstanceOf(TopicAuthorizationException.class)
                .hasMessage("Not authorized to access topics: [clonefarm.clone-requests]");
        assertThat(readFailure(guest, TOPICS.events()))
                .isInstanceOf(TopicAuthorizationException.class)
                .hasMessage("Not authorized to access topics: [clonefarm.events]");

        // a wrong password, a CA that did not sign the brokers' certificates
        Map<String, Object> wrongPassword = new HashMap<>(guest.admin("intruder"));
        wrongPassword.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"guest\" password=\"not-the-password\";");
        assertThat(describeFailure(wrongPassword)).isInstanceOf(SaslAuthenticationException.class)
                .hasMessageContaining("Authentication failed during authentication due to invalid credentials with SASL"
                        + " mechanism SCRAM-SHA-512");
        Map<String, Object> otherCa = new HashMap<>(guest.admin("stranger"));
        otherCa.put("ssl.truststore.location", otherCaPem().toString());
        assertThat(describeFailure(otherCa)).isInstanceOf(SslAuthenticationException.class)
                .hasMessageContaining("SSL handshake failed");
    }

    private KafkaSettings settings(String principal) {
        // exactly what --kafka-config does with the file: no --bootstrap-servers needed
        return KafkaSettings.of(null, data.resolve("security").resolve(principal + ".properties"));
    }

    private static Map<String, String> load(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(key -> map.put(key, properties.getProperty(key)));
        return map;
    }

    private static void send(KafkaSettings settings, String topic, String key) throws Exception {
        Map<String, Object> config = settings.producer("test-" + key);
        config.put("max.block.ms", 30_000);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>(topic, key, new byte[] {1})).get(60, TimeUnit.SECONDS);
        }
    }

    private static String readInGroup(KafkaSettings settings, String topic, String group) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings.consumer("test-worker", group))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    consumer.commitSync(Duration.ofSeconds(30)); // the group ACL covers the commit as well
                    return record.key();
                }
            }
        }
        throw new AssertionError("the worker principal read nothing from " + topic + " in 90 s");
    }

    private static Throwable readFailure(KafkaSettings settings, String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings.consumer("test-guest", null))) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                try {
                    if (!consumer.poll(Duration.ofMillis(500)).isEmpty()) {
                        throw new AssertionError("the guest principal read " + topic);
                    }
                } catch (RuntimeException e) {
                    return e;
                }
            }
        }
        throw new AssertionError("reading " + topic + " as the guest neither failed nor returned within 60 s");
    }

    private static Throwable describeFailure(Map<String, Object> config) {
        config.put("default.api.timeout.ms", 30_000);
        try (Admin admin = Admin.create(config)) {
            return cause(() -> admin.describeCluster().nodes().get(60, TimeUnit.SECONDS));
        }
    }

    interface Attempt {
        void run() throws Exception;
    }

    /** The exception an attempt fails with, unwrapped from the future's ExecutionException. */
    private static Throwable cause(Attempt attempt) {
        try {
            attempt.run();
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("expected a refusal, but it went through");
    }

    /** A CA certificate of another authority, made with keytool as the cluster makes its own. */
    private Path otherCaPem() throws Exception {
        Path store = data.resolve("other-ca.p12");
        Path pem = data.resolve("other-ca.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        for (List<String> args : List.of(
                List.of(keytool, "-genkeypair", "-alias", "other", "-keyalg", "RSA", "-keysize", "2048", "-validity", "30",
                        "-dname", "CN=another CA", "-ext", "bc:c=ca:true", "-storetype", "PKCS12", "-keystore",
                        store.toString(), "-storepass", "changeit", "-noprompt"),
                List.of(keytool, "-exportcert", "-rfc", "-alias", "other", "-keystore", store.toString(), "-storepass",
                        "changeit", "-file", pem.toString()))) {
            Process process = new ProcessBuilder(args).redirectErrorStream(true)
                    .redirectOutput(data.resolve("keytool.log").toFile()).start();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(Files.readString(data.resolve("keytool.log"))).isZero();
        }
        assertThat(Files.readString(pem)).contains("BEGIN CERTIFICATE");
        return pem;
    }
}
