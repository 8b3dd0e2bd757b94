package org.clonefarm.messaging;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Every Kafka client setting of clonefarm, in one place: where the cluster is, the user's own client
 * properties (TLS, SASL, timeouts) and the settings the contract demands.
 *
 * <p>Producers: {@code acks=all} and idempotence on, always: a user file cannot weaken them, because
 * the durability order of the copy engine (checkpoint, then event) relies on an acknowledged event
 * being on every in-sync replica. Consumers: no auto-commit; every component commits what it has
 * finished; {@code read_committed} always (records of an aborted transaction are never read). Keys
 * are strings (userids), values raw bytes decoded by {@link ContractCodec}, so a record
 * that does not parse reaches the dead-letter topic instead of killing the consumer.
 *
 * <p>Immutable and thread-safe.
 */
public final class KafkaSettings {
    private static final Pattern JAAS_USERNAME = Pattern.compile("\\busername\\s*=\\s*\"([^\"]*)\"");
    private final String bootstrapServers;
    private final Map<String, Object> userProperties;

    private KafkaSettings(String bootstrapServers, Map<String, Object> userProperties) {
        this.bootstrapServers = bootstrapServers;
        this.userProperties = Map.copyOf(userProperties);
    }

    /**
     * @param bootstrapServers {@code host:port[,host:port...]}
     * @param clientConfig a standard Kafka client properties file, or null
     * @throws IllegalArgumentException naming the file or value that is wrong
     */
    public static KafkaSettings of(String bootstrapServers, Path clientConfig) {
        Map<String, Object> user = new HashMap<>();
        if (clientConfig != null) {
            user.putAll(load(clientConfig));
        }
        String servers = bootstrapServers;
        if (servers == null || servers.isBlank()) {
            Object fromFile = user.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
            servers = fromFile == null ? null : fromFile.toString();
        }
        if (servers == null || servers.isBlank()) {
            throw new IllegalArgumentException("no Kafka cluster given: set --bootstrap-servers HOST:PORT"
                    + " (or bootstrap.servers in the --kafka-config file)");
        }
        validateServers(servers);
        user.remove(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        return new KafkaSettings(servers.trim(), user);
    }

    public static KafkaSettings of(String bootstrapServers) {
        return of(bootstrapServers, null);
    }

    /**
     * Whether a client properties file names its cluster ({@code bootstrap.servers}), so that it can
     * stand in for {@code --bootstrap-servers}, as the files {@code clonefarm kafka start} writes do.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read
     */
    public static boolean namesCluster(Path clientConfig) {
        Object servers = load(Objects.requireNonNull(clientConfig, "clientConfig"))
                .get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        return servers != null && !servers.toString().isBlank();
    }

    private static void validateServers(String servers) {
        for (String server : servers.split(",")) {
            String s = server.trim();
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new IllegalArgumentException("bootstrap server '" + s + "' is not HOST:PORT");
            }
            try {
                int port = Integer.parseInt(s.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("bootstrap server '" + s + "' has port " + port
                            + " outside 1-65535");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bootstrap server '" + s + "' has no numeric port", e);
            }
        }
    }

    private static Map<String, Object> load(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Kafka client config file " + file + " does not exist", e);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read Kafka client config file " + file + ": " + e.getMessage(), e);
        }
        Map<String, Object> map = new HashMap<>();
        for (String name : properties.stringPropertyNames()) {
            map.put(name, properties.getProperty(name));
        }
        return map;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * The SASL user these settings log in as ({@code username="..."} of {@code sasl.jaas.config}, as SCRAM
     * and PLAIN write it), so that a refusal can name the principal {@code User:<name>}; empty without SASL
     * or when the login module names no user.
     */
    public Optional<String> saslUsername() {
        Object jaas = userProperties.get(SaslConfigs.SASL_JAAS_CONFIG);
        if (jaas == null) {
            return Optional.empty();
        }
        Matcher user = JAAS_USERNAME.matcher(jaas.toString());
        return user.find() ? Optional.of(user.group(1)) : Optional.empty();
    }

    /** Settings for an {@code Admin} client. */
    public Map<String, Object> admin(String clientId) {
        Map<String, Object> config = common(clientId);
        config.putIfAbsent(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        config.putIfAbsent(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        return config;
    }

    /** Settings for a producer of {@code String} keys and {@code byte[]} values: acks=all, idempotent. */
    public Map<String, Object> producer(String clientId) {
        Map<String, Object> config = common(clientId);
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        config.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        config.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
        config.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        // the contract: never weakened by a user file
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return config;
    }

    /**
     * Settings for a transactional producer (read-process-write: records and the consumed offsets are
     * committed together, exactly once): {@link #producer} with {@code transactional.id}. One live
     * producer per id; a new one with the same id fences the old. The transaction timeout is short
     * (15 s unless the user file says otherwise): while a transaction is open, {@code read_committed}
     * readers of its partitions wait, and a relay that died mid-transaction holds them that long.
     */
    public Map<String, Object> transactionalProducer(String clientId, String transactionalId) {
        Map<String, Object> config = producer(clientId);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, Objects.requireNonNull(transactionalId, "transactionalId"));
        config.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000);
        return config;
    }

    /**
     * Settings for a consumer of {@code String} keys and {@code byte[]} values, committing by hand.
     *
     * @param groupId the consumer group, or null for a consumer that only assigns partitions
     */
    public Map<String, Object> consumer(String clientId, String groupId) {
        Map<String, Object> config = common(clientId);
        if (groupId != null) {
            config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // the contract: the coordinator relays guest facts in transactions; an aborted one is never a fact
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return config;
    }

    private Map<String, Object> common(String clientId) {
        Objects.requireNonNull(clientId, "clientId");
        Map<String, Object> config = new HashMap<>(userProperties);
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        return config;
    }

    @Override
    public String toString() {
        return "KafkaSettings[bootstrap.servers=" + bootstrapServers + ", user properties="
                + userProperties.keySet() + "]";
    }
}
