package org.clonefarm.agent;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.clonefarm.platform.names.NamesFile;

/**
 * Where a clone's configuration comes from: the entries of a NAMES file (on z/VM, the one on the 191
 * disk), each a nick with tags. The source only reads entries as they are, tag names lower-case
 * without the colon and dot; merging the {@code DEFAULTS} entry under the clone's own entry is the
 * agent's job ({@link GuestSettings#from}, by {@link NamesFile#withDefaults}), so every source behaves the same.
 *
 * <p>Implementations are read-only and thread-safe.
 */
public interface CloneConfigSource {

    /** The nick of the entry whose tags every clone's entry inherits where it has none of its own. */
    String DEFAULTS_NICK = NamesFile.DEFAULTS;

    /**
     * The tags of the entry with this nick (matched without regard to case), or empty when the file
     * has no such entry.
     *
     * @throws AgentException with step {@link AgentStep#READ_CONFIG} when the file cannot be read
     */
    Optional<Map<String, String>> entry(String nick);

    /** The NAMES file as events and messages name it, e.g. {@code LINUX NAMES on 0191}. */
    String describe();

    /** Entries held in memory, keyed by nick (any case); for the local runtime and tests. */
    static CloneConfigSource of(String name, Map<String, Map<String, String>> entries) {
        Map<String, Map<String, String>> byNick = new LinkedHashMap<>();
        entries.forEach((nick, tags) -> {
            Map<String, String> lower = new LinkedHashMap<>();
            tags.forEach((tag, value) -> lower.put(tag.toLowerCase(Locale.ROOT), value));
            byNick.put(nick.toUpperCase(Locale.ROOT), Map.copyOf(lower));
        });
        return new CloneConfigSource() {
            @Override
            public Optional<Map<String, String>> entry(String nick) {
                return Optional.ofNullable(byNick.get(nick.toUpperCase(Locale.ROOT)));
            }

            @Override
            public String describe() {
                return name;
            }
        };
    }
}
