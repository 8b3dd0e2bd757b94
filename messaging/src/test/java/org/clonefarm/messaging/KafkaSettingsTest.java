package org.clonefarm.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client settings: the user's file passes through, the contract's producer settings do not bend. */
class KafkaSettingsTest {

    @Test
    void userFileCannotWeakenAcksOrIdempotence(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "acks=1\nenable.idempotence=false\nsecurity.protocol=SASL_SSL\n");
        Map<String, Object> producer = KafkaSettings.of("broker:9092", file).producer("p");
        assertThat(producer).containsEntry("acks", "all").containsEntry("enable.idempotence", true)
                .containsEntry("security.protocol", "SASL_SSL").containsEntry("bootstrap.servers", "broker:9092");
    }

    @Test
    void bootstrapServersMayComeFromTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "bootstrap.servers=a:9092,b:9093\n");
        assertThat(KafkaSettings.of(null, file).bootstrapServers()).isEqualTo("a:9092,b:9093");
    }

    /** The SASL user of sasl.jaas.config is what a refusal names as the principal; without SASL there is none. */
    @Test
    void saslUsernameIsReadFromTheJaasConfig(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("guest.properties");
        Files.writeString(file, "security.protocol=SASL_SSL\nsasl.jaas.config=org.apache.kafka.common.security.scram."
                + "ScramLoginModule required username=\"guest\" password=\"pw\";\n");

        assertThat(KafkaSettings.of("h:1", file).saslUsername()).contains("guest");
        assertThat(KafkaSettings.of("h:1").saslUsername()).isEmpty();
    }

    @Test
    void consumersNeverAutoCommit() {
        Map<String, Object> consumer = KafkaSettings.of("h:1").consumer("c", "g");
        assertThat(consumer).containsEntry("enable.auto.commit", false).containsEntry("group.id", "g");
    }

    @Test
    void badInputIsNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> KafkaSettings.of(null, null)).hasMessageContaining("--bootstrap-servers");
        assertThatThrownBy(() -> KafkaSettings.of("nohost")).hasMessageContaining("'nohost' is not HOST:PORT");
        assertThatThrownBy(() -> KafkaSettings.of("h:70000")).hasMessageContaining("70000");
        Path missing = dir.resolve("missing.properties");
        assertThatThrownBy(() -> KafkaSettings.of("h:1", missing)).hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
    }
}
