package org.clonefarm.cli.embedded;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kafka.tools.StorageTool;

/** Formats a KRaft node's log directories, once: a formatted directory is left as it is. Stateless. */
final class KraftStorage {

    private KraftStorage() {
    }

    /**
     * Runs Kafka's storage tool in this process.
     *
     * @param scramUsers {@code SCRAM-SHA-512=[name=N,password=P]} arguments: users written into the
     *     metadata log's bootstrap records (KIP-900), so a SASL/SCRAM cluster has its users from its first
     *     start; ignored for a directory formatted before
     * @throws EmbeddedKafkaException with the tool's output when it fails
     */
    static void format(String clusterId, Path propertiesFile, List<String> scramUsers) {
        List<String> args = new ArrayList<>(List.of(
                "format", "--cluster-id", clusterId, "--config", propertiesFile.toString(), "--ignore-formatted"));
        for (String user : scramUsers) {
            args.add("--add-scram");
            args.add(user);
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int code;
        try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            code = StorageTool.execute(args.toArray(String[]::new), print);
        }
        if (code != 0) {
            // the output never holds the passwords: the tool prints what it formatted, not its arguments
            throw new EmbeddedKafkaException("formatting the Kafka storage of " + propertiesFile.getParent()
                    + " failed (exit " + code + "): " + output.toString(StandardCharsets.UTF_8).trim());
        }
    }
}
