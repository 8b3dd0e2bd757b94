package org.clonefarm.cli;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.clonefarm.agent.AgentException;
import org.clonefarm.agent.AgentStep;
import org.clonefarm.agent.CloneConfigSource;
import org.clonefarm.agent.CloneConfigSourceProvider;

/**
 * Test stand-in for the NAMES reader over a 191 disk (the platform's, not on this branch): serves
 * {@code memory:<key>} locations from entries a test registers. Thread-safe.
 */
public final class MemoryNamesProvider implements CloneConfigSourceProvider {
    private static final Map<String, Map<String, Map<String, String>>> FILES = new ConcurrentHashMap<>();

    static String register(String key, Map<String, Map<String, String>> entries) {
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
