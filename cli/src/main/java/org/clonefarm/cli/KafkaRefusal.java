package org.clonefarm.cli;

import java.nio.file.Path;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Optional;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.clonefarm.messaging.KafkaSettings;

/**
 * A Kafka cluster's refusal of a clonefarm client, said as the one sentence a person reads instead of the
 * client's exception: what was refused (the TLS handshake, the SASL login, an operation of the principal),
 * by which cluster, for which principal and client file, and what to do. The one home of these sentences:
 * {@link UserErrorHandler} says every command's failure with it when a Kafka refusal is among its causes.
 * Stateless.
 */
final class KafkaRefusal {
    /** Where a person reads which principal needs which ACL. */
    static final String ACL_TABLE = "README.md, \"Run it on your Kafka\"";

    private KafkaRefusal() {
    }

    /** Where a command's client connected, as far as it is known. */
    record Client(String bootstrapServers, Path clientFile, Optional<String> saslUser) {

        /** The client of {@code --bootstrap-servers} and {@code --kafka-config} as given (either may be null). */
        static Client of(String bootstrapServers, Path clientFile) {
            String servers = bootstrapServers;
            Optional<String> user = Optional.empty();
            if (clientFile != null) {
                try {
                    KafkaSettings settings = KafkaSettings.of(bootstrapServers, clientFile);
                    servers = settings.bootstrapServers();
                    user = settings.saslUsername();
                } catch (IllegalArgumentException e) {
                    // a file without bootstrap.servers (the cluster came from the data directory), or unreadable:
                    // the refusal is said without what the file would have told
                }
            }
            return new Client(servers, clientFile, user);
        }

        String cluster() {
            return bootstrapServers == null || bootstrapServers.isBlank() ? "Kafka" : "Kafka at " + bootstrapServers;
        }

        String principal() {
            return saslUser.map(user -> "User:" + user).orElse("the principal")
                    + (clientFile == null ? "" : " of " + clientFile);
        }

        String file() {
            return clientFile == null ? "the --kafka-config file" : clientFile.toString();
        }
    }

    /** The refusal among {@code error} and its causes, said as one sentence; empty when there is none. */
    static Optional<String> describe(Throwable error, Client client) {
        for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof SslAuthenticationException) {
                return Optional.of(tls(cause, client));
            }
            if (cause instanceof SaslAuthenticationException) {
                return Optional.of(client.cluster() + " refused the SASL login of " + client.principal() + " ("
                        + cause.getMessage() + "); check the user name and password in its sasl.jaas.config.");
            }
            if (cause instanceof AuthenticationException) {
                return Optional.of(client.cluster() + " refused to authenticate " + client.principal() + " ("
                        + cause.getMessage() + "); check the security settings of " + client.file() + ".");
            }
            if (cause instanceof AuthorizationException) {
                return Optional.of(client.cluster() + " refused " + client.principal() + " " + refused(cause)
                        + ", which this command needs; run it with the client file of a principal that holds that ACL,"
                        + " or grant it (" + ACL_TABLE + ").");
            }
        }
        return Optional.empty();
    }

    private static String refused(Throwable refusal) {
        if (refusal instanceof TopicAuthorizationException topics && !topics.unauthorizedTopics().isEmpty()) {
            return "access to " + (topics.unauthorizedTopics().size() == 1 ? "topic " : "topics ")
                    + String.join(", ", topics.unauthorizedTopics());
        }
        if (refusal instanceof GroupAuthorizationException group && group.groupId() != null) {
            return "access to consumer group " + group.groupId();
        }
        if (refusal instanceof TransactionalIdAuthorizationException) {
            return "its transactional id (" + refusal.getMessage() + ")";
        }
        return "an operation (" + refusal.getMessage() + ")";
    }

    /** A failed TLS handshake: an untrusted certificate, a host name it does not list, or what Java said. */
    private static String tls(Throwable refusal, Client client) {
        String start = "the TLS handshake with " + client.cluster() + " failed: ";
        for (Throwable cause = refusal; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof CertPathBuilderException || cause instanceof CertPathValidatorException) {
                return start + "the brokers' certificate is not signed by a certificate authority that ssl.truststore.location"
                        + " of " + client.file() + " holds; give it the cluster's CA certificate (DATA/security/ca.pem of"
                        + " 'clonefarm kafka start').";
            }
            if (cause instanceof CertificateException && cause.getMessage() != null
                    && (cause.getMessage().startsWith("No subject alternative") || cause.getMessage().startsWith("No name matching"))) {
                return start + "the brokers' certificate does not name the host in bootstrap.servers (" + cause.getMessage()
                        + "); connect by a name or address the certificate lists.";
            }
        }
        Throwable root = refusal;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return start + root.getMessage() + "; check the ssl.* settings of " + client.file() + ".";
    }
}
