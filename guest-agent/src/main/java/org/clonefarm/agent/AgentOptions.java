package org.clonefarm.agent;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a command line gives the agent, shared by {@code clonefarm agent ...} and the agent's own jar
 * ({@link AgentMain}), so both read the same file the same way.
 *
 * @param root the guest root ({@code /} in a guest; a mounted clone in the local runtime)
 * @param configFile the agent properties file; null means {@code <root>/etc/clonefarm/agent.properties},
 *     whose absence then means every default
 * @param kafkaConfigFile a Kafka client properties file whose settings win over the agent properties file's
 *     ({@link AgentConfig#kafkaClientFile}), or null; the overrides win over it
 * @param userid a fixed userid instead of asking CP, or null
 * @param names where the 191 disk or NAMES file is (overrides {@code config.disk}), or null
 * @param varRoot initrd mode: where the clone's /var is mounted, or null
 * @param overrides further {@code key=value} settings that win over the file
 */
public record AgentOptions(Path root, Path configFile, Path kafkaConfigFile, String userid, String names, Path varRoot,
        Map<String, String> overrides) {

    public AgentOptions {
        root = root == null ? Path.of("/") : root;
        overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
    }

    /**
     * The configuration these options make.
     *
     * @throws AgentException (step agent-config) naming the file or key that is wrong
     */
    public AgentConfig config() {
        AgentConfig config = configFile != null ? AgentConfig.load(configFile, true)
                : AgentConfig.load(root.resolve(AgentConfig.DEFAULT_PATH.substring(1)), false);
        Map<String, String> all = new LinkedHashMap<>();
        if (kafkaConfigFile != null) {
            all.putAll(AgentConfig.kafkaClientFile(kafkaConfigFile));
        }
        all.putAll(overrides);
        if (names != null) {
            all.put(AgentConfig.CONFIG_DISK, names);
        }
        if (userid != null) {
            all.put(AgentConfig.IDENTITY_USERID, userid);
        }
        return all.isEmpty() ? config : config.with(all);
    }

    /** An agent for these options, reading NAMES entries through the installed provider. */
    public GuestAgent agent() {
        return GuestAgent.builder(config()).root(root).initrdVarRoot(varRoot).build();
    }
}
