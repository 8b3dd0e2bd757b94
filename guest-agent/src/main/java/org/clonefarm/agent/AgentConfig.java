package org.clonefarm.agent;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.layout.CloneLayout;

/**
 * The agent properties file ({@code /etc/clonefarm/agent.properties} in the master image, so every
 * clone has it). Every key is declared once below with its default, validator and a one-line doc;
 * {@link #describeKeys()} prints them. Keys starting with {@code kafka.} pass through, without the
 * prefix, to the Kafka producer (TLS and SASL settings: {@code kafka.security.protocol=SSL},
 * {@code kafka.ssl.truststore.location=...}); the contract settings (acks=all, idempotence) cannot be
 * weakened. An unknown key is an error, so a typo does not silently fall back to a default.
 *
 * <p>Paths are paths inside the guest: the agent resolves them under {@code --root}. Immutable and
 * thread-safe.
 */
public final class AgentConfig {
    /** Where the master image keeps the file, inside the guest. */
    public static final String DEFAULT_PATH = "/etc/clonefarm/agent.properties";
    /** Prefix of the Kafka client settings that pass through. */
    public static final String KAFKA_PREFIX = "kafka.";
    /**
     * Where the 191 disk is in a guest, in order: z/VM's by-path device once {@code chccwdev} set it
     * online, then the virtio-blk disk whose serial is the vaddr, as the QEMU guest runtime presents each
     * minidisk (udev's {@code /dev/disk/by-id/virtio-<serial>}).
     */
    public static final String CONFIG_DISK_DEFAULT = "/dev/disk/by-path/ccw-" + CloneLayout.Role.CONFIG.vaddr().ccwBusId()
            + ",/dev/disk/by-id/virtio-" + CloneLayout.Role.CONFIG.vaddr().value();

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String NAMES_FILE = "names.file";
    public static final String CONFIG_DISK = "config.disk";
    public static final String CONFIG_DISK_BUS_ID = "config.disk.bus.id";
    public static final String IDENTITY_VMCP = "identity.vmcp";
    public static final String IDENTITY_USERID = "identity.userid";
    public static final String INTERFACE_DEFAULT = "interface.default";
    public static final String MARKER_PATH = "marker.path";
    public static final String REBOOT_COMMAND = "reboot.command";
    public static final String SPOOL_DIR = "spool.dir";
    public static final String CLONE_KEY_FILE = "clone.key.file";
    public static final String SEND_TIMEOUT_MS = "send.timeout.ms";
    public static final String COMMAND_TIMEOUT_MS = "command.timeout.ms";
    public static final String INITRD_POST_MOUNT = "initrd.post.mount";
    public static final String DEVICE_WAIT_MS = "device.wait.ms";

    /** One declared key: name, default, validator (returns an error or null) and doc. */
    private record Key(String name, String defaultValue, Function<String, String> validator, String doc) {
    }

    private static final List<Key> KEYS = List.of(
            new Key(BOOTSTRAP_SERVERS, "", AgentConfig::validServers,
                    "Kafka brokers HOST:PORT[,...]; empty keeps every event in the spool until one is set."),
            new Key(TOPIC_PREFIX, TopicLayout.DEFAULT_PREFIX, AgentConfig::validPrefix,
                    "Prefix of the topic names; events go to <prefix>guest-events (the coordinator relays them)."),
            new Key(NAMES_FILE, CloneLayout.NAMES_FILE_TEXT, AgentConfig::validFileId,
                    "The NAMES file (FN FT [FM]) on the 191 disk that holds one entry per clone."),
            new Key(CONFIG_DISK, CONFIG_DISK_DEFAULT, AgentConfig::validLocations,
                    "Where the 191 disk is: a block device, a file, or PATH:OFFSET[:LENGTH] of a volume image; several"
                            + " separated by commas, the first that exists is read (the default: z/VM's by-path device,"
                            + " then the virtio disk with serial 0191 that the QEMU guest runtime gives)."),
            new Key(CONFIG_DISK_BUS_ID, "", v -> v.isEmpty() || v.matches("[0-9a-fA-F]\\.[0-9a-fA-F]\\.[0-9a-fA-F]{4}")
                    ? null : "must be a CCW bus id such as 0.0.0191, or empty",
                    "CCW bus id brought online with 'chccwdev -e' when no config.disk exists yet and the system has"
                            + " that CCW device (z/VM); empty skips it."),
            new Key(DEVICE_WAIT_MS, "30000", v -> range(v, 0, 600_000),
                    "How long the agent waits for the 191 disk and for the interface with :macaddr. to appear (early in"
                            + " the boot udev may still be adding them)."),
            new Key(IDENTITY_VMCP, "vmcp", v -> v.isBlank() || v.contains(" ") ? "must name one executable" : null,
                    "The vmcp executable (a name on PATH, or a path) through which the agent asks CP 'Q USERID'."),
            new Key(IDENTITY_USERID, "", v -> v.isEmpty() || v.matches("[A-Za-z0-9@#$]{1,8}") ? null
                    : "must be a z/VM userid (1-8 of A-Z 0-9 @ # $) or empty",
                    "A fixed userid instead of asking CP (the local runtime); --userid overrides it."),
            new Key(INTERFACE_DEFAULT, "eth0", v -> v.matches("[A-Za-z0-9_.-]{1,15}") ? null
                    : "must be an interface name of 1-15 letters, digits, '.', '_' or '-'",
                    "Interface configured when the NAMES entry has no :interface. tag and no :macaddr. (or the agent runs"
                            + " outside the guest, where no interface can be looked up by MAC)."),
            new Key(MARKER_PATH, CloneLayout.FINALIZE_MARKER, AgentConfig::validGuestPath,
                    "The finalize marker: finalize runs while it exists and removes it when done."),
            new Key(REBOOT_COMMAND, "systemctl reboot", v -> v.isBlank() ? "must not be empty" : null,
                    "Command that reboots the guest after finalize (split on blanks, run without a shell)."),
            new Key(SPOOL_DIR, "/var/lib/clonefarm/agent", AgentConfig::validGuestPath,
                    "Directory of the event spool and the agent's state; must survive reboots."),
            new Key(CLONE_KEY_FILE, CloneLayout.CLONE_KEY, AgentConfig::validGuestPath,
                    "The clone's own key (the worker writes it into the clone's /var after the copy); every event is"
                            + " signed with it, and the coordinator drops events that are not."),
            new Key(SEND_TIMEOUT_MS, "15000", v -> range(v, 100, 600_000),
                    "How long one run tries to deliver spooled events before leaving them for the next run."),
            new Key(COMMAND_TIMEOUT_MS, "30000", v -> range(v, 100, 600_000),
                    "How long vmcp, chccwdev and the reboot command may run before they are killed."),
            new Key(INITRD_POST_MOUNT, "/etc/hosts,/etc/resolv.conf", AgentConfig::validPathList,
                    "RO root: /etc files written under /var/local/etc (post-mount); the others go to the initrd's /etc."));

    private final Map<String, String> values;
    private final Map<String, Object> kafkaProperties;
    private final String origin;

    private AgentConfig(Map<String, String> values, Map<String, Object> kafkaProperties, String origin) {
        this.values = Map.copyOf(values);
        this.kafkaProperties = Map.copyOf(kafkaProperties);
        this.origin = origin;
    }

    /** Every key at its default. */
    public static AgentConfig defaults() {
        return of(Map.of(), "defaults");
    }

    /**
     * Loads a properties file.
     *
     * @param required whether a missing file is an error; otherwise it means every default
     * @throws AgentException (step agent-config, not retryable) naming the file and key that are wrong
     */
    public static AgentConfig load(Path file, boolean required) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            if (!required) {
                return of(Map.of(), "defaults (" + file + " does not exist)");
            }
            throw new AgentException(AgentStep.AGENT_CONFIG, "the agent properties file " + file + " does not exist",
                    false, e);
        } catch (IOException | IllegalArgumentException e) {
            throw new AgentException(AgentStep.AGENT_CONFIG, "cannot read the agent properties file " + file + ": "
                    + e.getMessage(), false, e);
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (String name : properties.stringPropertyNames()) {
            map.put(name, properties.getProperty(name).trim());
        }
        return of(map, file.toString());
    }

    /**
     * The settings of a standard Kafka client properties file (such as {@code guest.properties} of
     * {@code clonefarm kafka start --security sasl-ssl}) as agent keys: its {@code bootstrap.servers} as
     * {@value #BOOTSTRAP_SERVERS}, every other key as a {@code kafka.*} key. Its paths
     * ({@code ssl.truststore.location}) are read as they are, not under {@code --root}: the file is the
     * host's or the guest's own, as given.
     *
     * @throws AgentException (step agent-config, not retryable) naming the file when it cannot be read
     */
    public static Map<String, String> kafkaClientFile(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new AgentException(AgentStep.AGENT_CONFIG, "the Kafka client file " + file + " does not exist", false, e);
        } catch (IOException | IllegalArgumentException e) {
            throw new AgentException(AgentStep.AGENT_CONFIG, "cannot read the Kafka client file " + file + ": "
                    + e.getMessage(), false, e);
        }
        Map<String, String> settings = new LinkedHashMap<>();
        for (String name : properties.stringPropertyNames()) {
            String value = properties.getProperty(name).trim();
            settings.put(name.equals(BOOTSTRAP_SERVERS) ? BOOTSTRAP_SERVERS : KAFKA_PREFIX + name, value);
        }
        return settings;
    }

    /**
     * Validates settings given as a map (the file's keys and values).
     *
     * @throws AgentException (step agent-config) naming the key, the value and what is allowed
     */
    public static AgentConfig of(Map<String, String> settings, String origin) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, Object> kafka = new LinkedHashMap<>();
        Map<String, Key> declared = new LinkedHashMap<>();
        KEYS.forEach(key -> declared.put(key.name(), key));
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            String name = setting.getKey();
            if (name.startsWith(KAFKA_PREFIX) && name.length() > KAFKA_PREFIX.length()) {
                kafka.put(name.substring(KAFKA_PREFIX.length()), setting.getValue());
            } else if (!declared.containsKey(name)) {
                throw new AgentException(AgentStep.AGENT_CONFIG, origin + ": unknown key '" + name + "'; known keys are "
                        + String.join(", ", declared.keySet()) + " and " + KAFKA_PREFIX + "* for the Kafka client", false);
            }
        }
        for (Key key : KEYS) {
            String value = settings.getOrDefault(key.name(), key.defaultValue());
            String error = key.validator().apply(value);
            if (error != null) {
                throw new AgentException(AgentStep.AGENT_CONFIG, origin + ": " + key.name() + "=" + value + " " + error,
                        false);
            }
            values.put(key.name(), value);
        }
        return new AgentConfig(values, kafka, origin);
    }

    /** This configuration with some keys replaced (command-line overrides), validated again. */
    public AgentConfig with(Map<String, String> overrides) {
        Map<String, String> merged = new LinkedHashMap<>(values);
        kafkaProperties.forEach((k, v) -> merged.put(KAFKA_PREFIX + k, String.valueOf(v)));
        merged.putAll(overrides);
        return of(merged, origin + " with overrides " + overrides.keySet());
    }

    /** One line per key: name, default and doc (for --help and the docs). */
    public static String describeKeys() {
        StringBuilder text = new StringBuilder();
        for (Key key : KEYS) {
            text.append(key.name()).append(" (default: ")
                    .append(key.defaultValue().isEmpty() ? "empty" : key.defaultValue()).append(")\n    ")
                    .append(key.doc()).append('\n');
        }
        text.append(KAFKA_PREFIX).append("* (no default)\n    Passed to the Kafka producer without the prefix (TLS, SASL).\n");
        return text.toString();
    }

    public String get(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("undeclared agent key " + key);
        }
        return value;
    }

    public String origin() {
        return origin;
    }

    public String bootstrapServers() {
        return get(BOOTSTRAP_SERVERS);
    }

    public TopicLayout topicLayout() {
        return TopicLayout.builder().prefix(get(TOPIC_PREFIX)).build();
    }

    /** Kafka client settings from the {@code kafka.*} keys, without the prefix. */
    public Map<String, Object> kafkaProperties() {
        return kafkaProperties;
    }

    public Duration sendTimeout() {
        return Duration.ofMillis(Long.parseLong(get(SEND_TIMEOUT_MS)));
    }

    public Duration commandTimeout() {
        return Duration.ofMillis(Long.parseLong(get(COMMAND_TIMEOUT_MS)));
    }

    /** How long to wait for the 191 disk and the interface with :macaddr. ({@value #DEVICE_WAIT_MS}). */
    public Duration deviceWait() {
        return Duration.ofMillis(Long.parseLong(get(DEVICE_WAIT_MS)));
    }

    /** The locations of {@value #CONFIG_DISK}, in the order they are tried. */
    public List<String> configDisks() {
        return Arrays.stream(get(CONFIG_DISK).split(",")).map(String::trim).toList();
    }

    /** A command setting split on blanks. */
    public List<String> command(String key) {
        return List.of(get(key).trim().split("\\s+"));
    }

    public List<String> postMountFiles() {
        List<String> files = new ArrayList<>();
        for (String path : get(INITRD_POST_MOUNT).split(",")) {
            if (!path.isBlank()) {
                files.add(path.trim());
            }
        }
        return files;
    }

    private static String validServers(String value) {
        if (value.isEmpty()) {
            return null;
        }
        for (String server : value.split(",")) {
            String s = server.trim();
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || !s.substring(colon + 1).matches("[0-9]{1,5}")
                    || Integer.parseInt(s.substring(colon + 1)) < 1 || Integer.parseInt(s.substring(colon + 1)) > 65535) {
                return "has '" + s + "', which is not HOST:PORT with a port of 1-65535";
            }
        }
        return null;
    }

    private static String validPrefix(String value) {
        try {
            TopicLayout.builder().prefix(value);
            return null;
        } catch (IllegalArgumentException e) {
            return "is no topic prefix: " + e.getMessage();
        }
    }

    private static String validFileId(String value) {
        try {
            CmsFileId.parse(value);
            return null;
        } catch (IllegalArgumentException e) {
            return "is not valid: " + e.getMessage();
        }
    }

    private static String validLocations(String value) {
        if (value.isBlank()) {
            return "must not be empty";
        }
        for (String location : value.split(",", -1)) {
            if (location.isBlank()) {
                return "must be locations separated by commas, none of them empty";
            }
        }
        return null;
    }

    private static String validGuestPath(String value) {
        return value.startsWith("/") && !Arrays.asList(value.split("/")).contains("..") && value.length() > 1
                ? null : "must be an absolute path inside the guest, without '..'";
    }

    private static String validPathList(String value) {
        for (String path : value.split(",")) {
            if (!path.isBlank() && (validGuestPath(path.trim()) != null || !path.trim().startsWith("/etc/"))) {
                return "must list files under /etc, separated by commas ('" + path.trim() + "' is not)";
            }
        }
        return null;
    }

    private static String range(String value, long min, long max) {
        try {
            long number = Long.parseLong(value);
            return number >= min && number <= max ? null : "must be " + min + " to " + max;
        } catch (NumberFormatException e) {
            return "must be a whole number of " + min + " to " + max;
        }
    }

    @Override
    public String toString() {
        return "AgentConfig[" + origin + ", " + values + ", kafka=" + kafkaProperties.keySet() + "]";
    }
}
