package org.clonefarm.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.clonefarm.messaging.KafkaSettings;
import picocli.CommandLine.Option;

/**
 * {@code --guest-kafka-config FILE}: the Kafka client file the guest agents of the local simulation send their
 * events with. The coordinator's guest runtime boots each clone's agent as a host process and hands it this
 * file ({@code --kafka-config} of the agent), so on a secured cluster the agents speak as the guests'
 * principal, which may only write the guests' topic, never as the coordinator. A picocli mixin.
 */
public final class GuestKafkaOption {

    @Option(names = "--guest-kafka-config", paramLabel = "FILE",
            description = "Local simulation: the Kafka client properties file the guest agents send their events with"
                    + " (TLS, SASL: the guests' own principal, such as DATA/security/guest.properties of 'clonefarm kafka"
                    + " start --security sasl-ssl'); not the coordinator's principal. The agents use the farm's bootstrap"
                    + " servers. Default: none (no TLS, no SASL).")
    Path file;

    /**
     * The file as given (absolute), or empty; checked against the coordinator's own client settings.
     *
     * @throws UserError (usage) when the file cannot be read, or names the coordinator's own SASL user
     */
    Optional<Path> file(KafkaSettings coordinator) {
        if (file == null) {
            return Optional.empty();
        }
        Path path = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw UserError.usage("--guest-kafka-config " + path + " is not a readable file.");
        }
        Optional<String> guest;
        try {
            guest = KafkaSettings.of(coordinator.bootstrapServers(), path).saslUsername();
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--guest-kafka-config: " + e.getMessage() + ".");
        }
        if (guest.isPresent() && guest.equals(coordinator.saslUsername())) {
            throw UserError.usage("--guest-kafka-config " + path + " logs in as User:" + guest.get() + ", the coordinator's"
                    + " own principal: every guest could then write the coordinator's topics; give the guests' own client"
                    + " file (guest.properties).");
        }
        return Optional.of(path);
    }
}
