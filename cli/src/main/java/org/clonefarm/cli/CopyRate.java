package org.clonefarm.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The copy rate last measured on this data directory, in MiB/s: workers record it in
 * {@code <data>/stats/copy-rate} after each clone, and {@code plan} uses it for its estimate.
 */
final class CopyRate {

    private CopyRate() {
    }

    static Path file(Path dataDirectory) {
        return dataDirectory.resolve("stats").resolve("copy-rate");
    }

    static Optional<Double> measured(Path dataDirectory) {
        try {
            double rate = Double.parseDouble(Files.readString(file(dataDirectory), StandardCharsets.US_ASCII).trim());
            return rate > 0 ? Optional.of(rate) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
