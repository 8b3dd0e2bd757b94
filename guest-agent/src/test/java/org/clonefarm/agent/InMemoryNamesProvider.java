package org.clonefarm.agent;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test stand-in for the NAMES reader (the platform's EDF reader and NAMES parser, not on this
 * branch): serves locations {@code memory:<key>} from entries a test registers, so the command-line
 * paths that find their source through {@link java.util.ServiceLoader} can be run. Thread-safe.
 */
public final class InMemoryNamesProvider implements CloneConfigSourceProvider {
    private static final Map<String, Map<String, Map<String, String>>> FILES = new ConcurrentHashMap<>();

    /** Registers a NAMES file's entries under a key; returns the location to pass as --names. */
    public static String register(String key, Map<String, Map<String, String>> entries) {
        FILES.put(key, entries);
        return "memory:" + key;
    }

    @Override
    public Optional<CloneConfigSource> open(String location, String namesFile) {
        if (!location.startsWith("memory:")) {
            return Optional.empty();
        }
        Map<String, Map<String, String>> entries = FILES.get(location.substring("memory:".length()));
        if (entries == null) {
            throw new AgentException(AgentStep.READ_CONFIG, "no NAMES file " + namesFile + " at " + location, false);
        }
        return Optional.of(CloneConfigSource.of(namesFile + " at " + location, entries));
    }
}
