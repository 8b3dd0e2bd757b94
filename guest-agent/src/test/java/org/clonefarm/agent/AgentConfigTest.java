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
        assertThat(config.get(AgentConfig.CONFIG_DISK)).isEqualTo("/dev/disk/by-path/ccw-0.0.0191");
        assertThat(config.topicLayout().events()).isEqualTo("clonefarm.events");
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
        assertThat(config.topicLayout().events()).isEqualTo("farm1.events");
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

    /** Every declared key is documented for --help. */
    @Test
    void describesEveryKey() {
        assertThat(AgentConfig.describeKeys()).contains("bootstrap.servers", "spool.dir", "initrd.post.mount", "kafka.*");
    }
}
