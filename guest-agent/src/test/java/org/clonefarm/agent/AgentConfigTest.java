package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent properties file: defaults, pass-through Kafka keys, and errors that name key and value. */
class AgentConfigTest {
    @TempDir
    Path dir;

    /** Without a file every key has its documented default. */
    @Test
    void missingOptionalFileMeansDefaults() {
        AgentConfig config = AgentConfig.load(dir.resolve("absent.properties"), false);

        assertThat(config.get(AgentConfig.MARKER_PATH)).isEqualTo("/etc/rc.finalize");
        assertThat(config.get(AgentConfig.REBOOT_COMMAND)).isEqualTo("systemctl reboot");
        assertThat(config.get(AgentConfig.NAMES_FILE)).isEqualTo("LINUX NAMES");
        assertThat(config.get(AgentConfig.CONFIG_DISK)).isEqualTo("/dev/disk/by-path/ccw-0.0.0191,/dev/disk/by-id/virtio-0191");
        assertThat(config.topicLayout().guestEvents()).isEqualTo("clonefarm.guest-events");
        assertThat(config.get(AgentConfig.CLONE_KEY_FILE)).isEqualTo("/var/lib/clonefarm/clone.key");
        assertThat(config.bootstrapServers()).isEmpty();
    }

    /** A file given explicitly must exist. */
    @Test
    void missingRequiredFileIsAnErrorNamingIt() {
        Path file = dir.resolve("agent.properties");
        assertThatThrownBy(() -> AgentConfig.load(file, true)).isInstanceOf(AgentException.class)
                .hasMessageContaining(file.toString());
    }

    /** kafka.* keys reach the producer without the prefix; the rest is read as declared. */
    @Test
    void readsFileAndPassesKafkaKeysWithoutPrefix() throws IOException {
        Path file = dir.resolve("agent.properties");
        Files.writeString(file, "bootstrap.servers=broker1:9093, broker2:9093\ntopic.prefix=farm1.\n"
                + "kafka.security.protocol=SSL\nreboot.command=/sbin/reboot -f\n");

        AgentConfig config = AgentConfig.load(file, true);

        assertThat(config.bootstrapServers()).isEqualTo("broker1:9093, broker2:9093");
        assertThat(config.topicLayout().guestEvents()).isEqualTo("farm1.guest-events");
        assertThat(config.kafkaProperties()).containsExactly(Map.entry("security.protocol", "SSL"));
        assertThat(config.command(AgentConfig.REBOOT_COMMAND)).containsExactly("/sbin/reboot", "-f");
    }

    /** A typo is refused with the key's name instead of silently using a default. */
    @Test
    void refusesAnUnknownKeyNamingIt() {
        assertThatThrownBy(() -> AgentConfig.of(Map.of("marker.pth", "/x"), "agent.properties"))
                .isInstanceOf(AgentException.class).hasMessageContaining("unknown key 'marker.pth'")
                .satisfies(e -> assertThat(((AgentException) e).step()).isEqualTo(AgentStep.AGENT_CONFIG));
    }

    /** A bad value is refused naming key, value and the allowed range. */
    @Test
    void refusesBadValuesNamingKeyValueAndRange() {
        assertThatThrownBy(() -> AgentConfig.of(Map.of(AgentConfig.SEND_TIMEOUT_MS, "0"), "f"))
                .hasMessageContaining("send.timeout.ms=0 must be 100 to 600000");
        assertThatThrownBy(() -> AgentConfig.of(Map.of(AgentConfig.BOOTSTRAP_SERVERS, "broker"), "f"))
                .hasMessageContaining("'broker', which is not HOST:PORT");
        assertThatThrownBy(() -> AgentConfig.of(Map.of(AgentConfig.MARKER_PATH, "etc/rc.finalize"), "f"))
                .hasMessageContaining("absolute path");
        assertThatThrownBy(() -> AgentConfig.of(Map.of(AgentConfig.INITRD_POST_MOUNT, "/var/x"), "f"))
                .hasMessageContaining("under /etc");
        assertThatThrownBy(() -> AgentConfig.of(Map.of(AgentConfig.NAMES_FILE, "NAMES"), "f"))
                .hasMessageContaining("names.file=NAMES is not valid: 'NAMES' is not a CMS file id FN FT [FM]");
    }

    /**
     * A Kafka client file (--kafka-config) gives the producer its settings over the agent properties file's,
     * its bootstrap.servers the agent's; --set still wins, so --spool-only keeps the events in the spool.
     */
    @Test
    void kafkaClientFileWinsOverThePropertiesFileAndSetWinsOverIt() throws IOException {
        Path agentFile = dir.resolve("agent.properties");
        Files.writeString(agentFile, "bootstrap.servers=old:9092\nkafka.security.protocol=PLAINTEXT\nkafka.linger.ms=7\n");
        Path clientFile = dir.resolve("guest.properties");
        Files.writeString(clientFile, "bootstrap.servers=k1:9093,k2:9093\nsecurity.protocol=SASL_SSL\n"
                + "sasl.mechanism=SCRAM-SHA-512\nssl.truststore.location=/etc/ca.pem\n");

        AgentConfig config = new AgentOptions(dir, agentFile, clientFile, null, null, null, Map.of()).config();
        AgentConfig spoolOnly = new AgentOptions(dir, agentFile, clientFile, null, null, null,
                Map.of(AgentConfig.BOOTSTRAP_SERVERS, "")).config();

        assertThat(config.bootstrapServers()).isEqualTo("k1:9093,k2:9093");
        assertThat(config.kafkaProperties()).containsOnly(Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("sasl.mechanism", "SCRAM-SHA-512"), Map.entry("ssl.truststore.location", "/etc/ca.pem"),
                Map.entry("linger.ms", "7"));
        assertThat(spoolOnly.bootstrapServers()).isEmpty();
    }

    /** A Kafka client file that is not there is an agent-config error naming it. */
    @Test
    void missingKafkaClientFileIsAnErrorNamingIt() {
        Path file = dir.resolve("guest.properties");

        assertThatThrownBy(() -> new AgentOptions(dir, null, file, null, null, null, Map.of()).config())
                .isInstanceOf(AgentException.class).hasMessage("the Kafka client file " + file + " does not exist")
                .satisfies(e -> assertThat(((AgentException) e).step()).isEqualTo(AgentStep.AGENT_CONFIG));
    }

    /** Every declared key is documented for --help. */
    @Test
    void describesEveryKey() {
        assertThat(AgentConfig.describeKeys()).contains("bootstrap.servers", "spool.dir", "initrd.post.mount", "kafka.*");
    }
}
