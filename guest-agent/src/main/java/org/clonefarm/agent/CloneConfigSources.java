package org.clonefarm.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** Finds the {@link CloneConfigSourceProvider} that serves a location. Stateless and thread-safe. */
public final class CloneConfigSources {

    private CloneConfigSources() {
    }

    /**
     * @throws AgentException with step {@link AgentStep#READ_CONFIG} (not retryable) when no installed
     *     provider reads such a location, or the provider's own error
     */
    public static CloneConfigSource open(String location, String namesFile) {
        List<String> tried = new ArrayList<>();
        for (CloneConfigSourceProvider provider : ServiceLoader.load(CloneConfigSourceProvider.class,
                CloneConfigSources.class.getClassLoader())) {
            Optional<CloneConfigSource> source = provider.open(location, namesFile);
            if (source.isPresent()) {
                return source.get();
            }
            tried.add(provider.getClass().getName());
        }
        throw new AgentException(AgentStep.READ_CONFIG, "no installed NAMES reader serves " + namesFile + " at "
                + location + (tried.isEmpty() ? " (none is installed)" : " (tried " + String.join(", ", tried) + ")"),
                false);
    }
}
