package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.clonefarm.messaging.KafkaSettings;

/**
 * Kafka clients on the principals of a cluster that {@code clonefarm kafka start --security sasl-ssl} made, as
 * the tests of refusals use them: each principal's client file as {@code --kafka-config} takes it, a write or
 * read that must be refused and the exception it fails with, and client files that must not get in (another
 * CA, a wrong password).
 */
final class SecuredClients {

    private SecuredClients() {
    }

    /** The client file of {@code principal} under {@code DATA/security/}. */
    static Path file(Path data, String principal) {
        return data.resolve("security").resolve(principal + ".properties");
    }

    /** Exactly what {@code --kafka-config} does with the principal's file: no {@code --bootstrap-servers} needed. */
    static KafkaSettings settings(Path data, String principal) {
        return KafkaSettings.of(null, file(data, principal));
    }

    /** Sends one record and waits for the broker's acknowledgement (or its refusal, thrown). */
    static void send(KafkaSettings settings, String topic, String key) throws Exception {
        Map<String, Object> config = settings.producer("test-" + key);
        config.put("max.block.ms", 30_000);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>(topic, key, new byte[] {1})).get(60, TimeUnit.SECONDS);
        }
    }

    /** The exception reading partition 0 of {@code topic} fails with; an error when it reads or neither within 60 s. */
    static Throwable readFailure(KafkaSettings settings, String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings.consumer("test-reader", null))) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                try {
                    if (!consumer.poll(Duration.ofMillis(500)).isEmpty()) {
                        throw new AssertionError("the principal read " + topic);
                    }
                } catch (RuntimeException e) {
                    return e;
                }
            }
        }
        throw new AssertionError("reading " + topic + " neither failed nor returned within 60 s");
    }

    interface Attempt {
        void run() throws Exception;
    }

    /** The exception an attempt fails with, unwrapped from the future's ExecutionException. */
    static Throwable cause(Attempt attempt) {
        try {
            attempt.run();
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("expected a refusal, but it went through");
    }

    /** A copy of a client file with another password in its sasl.jaas.config. */
    static Path withPassword(Path file, String password, Path copy) throws Exception {
        String text = Files.readString(file);
        String changed = text.replaceAll("password=\"[^\"]*\"", "password=\"" + password + "\"");
        assertThat(changed).as("the password of %s replaced", file).isNotEqualTo(text);
        Files.writeString(copy, changed);
        return copy;
    }

    /** A copy of a client file that trusts {@link #otherCaPem another CA} instead of the cluster's. */
    static Path trustingAnotherCa(Path file, Path dir, Path copy) throws Exception {
        String text = Files.readString(file);
        String changed = text.replaceAll("(?m)^ssl\\.truststore\\.location=.*$",
                "ssl.truststore.location=" + otherCaPem(dir).toString().replace("\\", "\\\\"));
        assertThat(changed).as("the trust store of %s replaced", file).isNotEqualTo(text);
        Files.writeString(copy, changed);
        return copy;
    }

    /** A CA certificate of another authority in {@code dir}, made with keytool as the cluster makes its own. */
    static Path otherCaPem(Path dir) throws Exception {
        Path store = dir.resolve("other-ca.p12");
        Path pem = dir.resolve("other-ca.pem");
        if (Files.exists(pem)) {
            return pem;
        }
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        for (List<String> args : List.of(
                List.of(keytool, "-genkeypair", "-alias", "other", "-keyalg", "RSA", "-keysize", "2048", "-validity", "30",
                        "-dname", "CN=another CA", "-ext", "bc:c=ca:true", "-storetype", "PKCS12", "-keystore",
                        store.toString(), "-storepass", "changeit", "-noprompt"),
                List.of(keytool, "-exportcert", "-rfc", "-alias", "other", "-keystore", store.toString(), "-storepass",
                        "changeit", "-file", pem.toString()))) {
            Process process = new ProcessBuilder(args).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("keytool.log").toFile()).start();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(Files.readString(dir.resolve("keytool.log"))).isZero();
        }
        assertThat(Files.readString(pem)).contains("BEGIN CERTIFICATE");
        return pem;
    }
}
