package org.clonefarm.cli.embedded;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.clonefarm.platform.io.DurableFiles;

/**
 * The secrets of a secured {@link LocalKafkaCluster} and the files made from them.
 *
 * <p>Broker side, in {@code kafka/}: {@code secrets.properties} (mode 0600: the keystore passwords and
 * every SCRAM password, random, made once) and {@code tls/} ({@link ClusterTls}: the CA key, the broker
 * keystore, {@code ca.pem}). Client side, in {@code <data>/security/}: {@code ca.pem} (the CA certificate,
 * for any client, kcat and librdkafka included) and one properties file per {@link ClusterPrincipal}
 * (mode 0600), which {@code --kafka-config} takes as it is.
 *
 * <p>Immutable once loaded; thread-safe.
 */
final class ClusterCredentials {
    static final String MECHANISM = "SCRAM-SHA-512";
    private static final String SECRETS = "secrets.properties";
    private static final String CA_STORE = "ca.store.password";
    private static final String BROKER_STORE = "broker.store.password";
    private static final String USER_PREFIX = "user.";

    private final Path tls;
    private final Map<String, String> secrets;

    private ClusterCredentials(Path tls, Map<String, String> secrets) {
        this.tls = tls;
        this.secrets = Map.copyOf(secrets);
    }

    /**
     * Loads the secrets of the cluster in {@code kafkaDirectory}, making them and the TLS material at
     * the first start (and the TLS material again when it was removed).
     */
    static ClusterCredentials loadOrCreate(Path kafkaDirectory) throws IOException {
        Path file = kafkaDirectory.resolve(SECRETS);
        Path tls = kafkaDirectory.resolve("tls");
        ClusterCredentials credentials;
        if (Files.exists(file)) {
            // the SCRAM users are in the metadata log since the first format: their passwords never change
            credentials = load(file, tls);
        } else {
            Map<String, String> secrets = new LinkedHashMap<>();
            secrets.put(CA_STORE, randomPassword());
            secrets.put(BROKER_STORE, randomPassword());
            secrets.put(USER_PREFIX + ClusterPrincipal.BROKER, randomPassword());
            for (ClusterPrincipal principal : ClusterPrincipal.values()) {
                secrets.put(USER_PREFIX + principal.user(), randomPassword());
            }
            StringBuilder text = new StringBuilder("# the secrets of this local Kafka cluster, made by 'clonefarm kafka start'\n");
            secrets.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
            writePrivate(file, text.toString());
            credentials = new ClusterCredentials(tls, secrets);
        }
        if (!Files.exists(tls.resolve("broker.p12")) || !Files.exists(tls.resolve("ca.pem"))) {
            // first start, or the TLS files were removed: a new CA (clients get its ca.pem again)
            ClusterTls.create(tls, credentials.secrets.get(CA_STORE), credentials.secrets.get(BROKER_STORE));
        }
        return credentials;
    }

    /** Loads the secrets of the cluster in {@code kafkaDirectory}. @throws java.nio.file.NoSuchFileException when it has none */
    static ClusterCredentials load(Path kafkaDirectory) throws IOException {
        return load(kafkaDirectory.resolve(SECRETS), kafkaDirectory.resolve("tls"));
    }

    private static ClusterCredentials load(Path file, Path tls) throws IOException {
        Properties p = new Properties();
        try (Reader reader = new StringReader(Files.readString(file, StandardCharsets.UTF_8))) {
            p.load(reader);
        }
        Map<String, String> secrets = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames()) {
            secrets.put(key, p.getProperty(key));
        }
        List<String> needed = new ArrayList<>(List.of(CA_STORE, BROKER_STORE, USER_PREFIX + ClusterPrincipal.BROKER));
        for (ClusterPrincipal principal : ClusterPrincipal.values()) {
            needed.add(USER_PREFIX + principal.user());
        }
        for (String key : needed) {
            if (secrets.getOrDefault(key, "").isBlank()) {
                throw new EmbeddedKafkaException(file + " has no " + key + "; it was written by 'clonefarm kafka start'"
                        + " and is not to be edited");
            }
        }
        return new ClusterCredentials(tls, secrets);
    }

    /** 32 characters of base64url: no quote, comma or equals sign to escape in JAAS or --add-scram. */
    private static String randomPassword() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    String password(String user) {
        String password = secrets.get(USER_PREFIX + user);
        if (password == null) {
            throw new IllegalArgumentException("no SCRAM user " + user);
        }
        return password;
    }

    /** The {@code --add-scram} arguments of the storage format: every user, the brokers' own included. */
    List<String> scramArguments() {
        List<String> arguments = new ArrayList<>();
        arguments.add(scram(ClusterPrincipal.BROKER));
        for (ClusterPrincipal principal : ClusterPrincipal.values()) {
            arguments.add(scram(principal.user()));
        }
        return arguments;
    }

    private String scram(String user) {
        return MECHANISM + "=[name=" + user + ",password=" + password(user) + "]";
    }

    /** The CA certificate the brokers trust (the same as {@code <data>/security/ca.pem}). */
    Path caPem() {
        return tls.resolve("ca.pem");
    }

    /**
     * The broker side of SASL_SSL on a node's properties: SCRAM between brokers as
     * {@value ClusterPrincipal#BROKER}, the broker keystore, mutual TLS between controllers (the
     * certificate's CN is the principal), StandardAuthorizer denying whatever no ACL allows, and the
     * brokers' principal as the only super user.
     */
    void applyBrokerSecurity(Properties p) {
        p.setProperty("sasl.enabled.mechanisms", MECHANISM);
        p.setProperty("sasl.mechanism.inter.broker.protocol", MECHANISM);
        p.setProperty("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", jaas(ClusterPrincipal.BROKER));
        p.setProperty("ssl.keystore.type", "PKCS12");
        p.setProperty("ssl.keystore.location", tls.resolve("broker.p12").toAbsolutePath().toString());
        p.setProperty("ssl.keystore.password", secrets.get(BROKER_STORE));
        p.setProperty("ssl.key.password", secrets.get(BROKER_STORE));
        p.setProperty("ssl.truststore.type", "PEM");
        p.setProperty("ssl.truststore.location", caPem().toAbsolutePath().toString());
        p.setProperty("ssl.endpoint.identification.algorithm", "https");
        p.setProperty("listener.name." + KraftNodeProperties.CONTROLLER_LISTENER.toLowerCase(java.util.Locale.ROOT)
                + ".ssl.client.auth", "required");
        p.setProperty("ssl.principal.mapping.rules", "RULE:^CN=([^,]+)$/$1/,DEFAULT");
        p.setProperty("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.setProperty("allow.everyone.if.no.acl.found", "false");
        p.setProperty("super.users", "User:" + ClusterPrincipal.BROKER);
    }

    private String jaas(String user) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password(user) + "\";";
    }

    /** Client settings for {@code user} against {@code bootstrapServers}, trusting {@code caPem}. */
    Map<String, String> clientSettings(String user, String bootstrapServers, Path caPem) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("bootstrap.servers", bootstrapServers);
        settings.put("security.protocol", "SASL_SSL");
        settings.put("sasl.mechanism", MECHANISM);
        settings.put("sasl.jaas.config", jaas(user));
        settings.put("ssl.truststore.type", "PEM");
        settings.put("ssl.truststore.location", caPem.toAbsolutePath().toString());
        settings.put("ssl.endpoint.identification.algorithm", "https");
        return settings;
    }

    /**
     * Writes {@code ca.pem} and one client properties file per principal (mode 0600) into
     * {@code securityDirectory}; rewritten at every start, with the same content.
     */
    void writeClientFiles(Path securityDirectory, String bootstrapServers) throws IOException {
        Files.createDirectories(securityDirectory);
        Path caPem = securityDirectory.resolve("ca.pem");
        DurableFiles.replace(caPem, Files.readAllBytes(caPem()));
        Files.setPosixFilePermissions(caPem, PosixFilePermissions.fromString("rw-r--r--"));
        for (ClusterPrincipal principal : ClusterPrincipal.values()) {
            StringBuilder text = new StringBuilder()
                    .append("# Kafka client settings of the principal User:").append(principal.user())
                    .append(" on the local cluster; written by 'clonefarm kafka start'.\n")
                    .append("# Give it as --kafka-config. Mode 0600: it holds the principal's password.\n");
            clientSettings(principal.user(), bootstrapServers, caPem)
                    .forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
            writePrivate(securityDirectory.resolve(principal.propertiesFileName()), text.toString());
        }
    }

    /** Atomically, durably, mode 0600 from its first byte on. */
    static void writePrivate(Path file, String text) throws IOException {
        DurableFiles.replace(file, text.getBytes(StandardCharsets.UTF_8)); // its temporary file is made 0600
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
}
