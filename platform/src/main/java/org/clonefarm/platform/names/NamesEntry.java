package org.clonefarm.platform.names;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One entry of a NAMES file: the {@code :nick.} value and the {@code :tag.value} pairs that follow it.
 * Tag names are case-insensitive and held in lower case, in the order given; values are trimmed.
 * Immutable and thread-safe.
 */
public final class NamesEntry {

    /** A tag name: a letter, then letters, digits and {@code _ @ # $ -}. */
    static final Pattern TAG_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_@#$-]*");

    private final String nick;
    private final Map<String, String> tags;

    private NamesEntry(String nick, Map<String, String> tags) {
        this.nick = nick;
        this.tags = Collections.unmodifiableMap(tags);
    }

    /**
     * An entry.
     *
     * @param nick the nickname, one word (for clones: the userid)
     * @param tags tag names (without colon and period, any case) and values; {@code nick} must not be
     *     among them
     * @throws IllegalArgumentException if the nick is not one word, a tag name is not a tag name, a tag
     *     is given twice (in different case), or a value could not be read back (see {@link NamesFile})
     */
    public static NamesEntry of(String nick, Map<String, String> tags) {
        Objects.requireNonNull(nick, "nick");
        String trimmed = nick.strip();
        if (trimmed.isEmpty() || trimmed.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("nick '" + nick + "' must be one word");
        }
        NamesFile.checkValue(trimmed, "nick", trimmed);
        Map<String, String> lower = new LinkedHashMap<>();
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            String name = tag.getKey();
            if (!TAG_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("tag name '" + name + "' of nick " + trimmed
                        + " must be a letter followed by letters, digits or _ @ # $ -");
            }
            String key = name.toLowerCase(Locale.ROOT);
            if (key.equals("nick")) {
                throw new IllegalArgumentException("nick " + trimmed + ": the nick is given as the nick, not as a tag");
            }
            String value = Objects.requireNonNull(tag.getValue(), "value of " + name).strip();
            NamesFile.checkValue(value, key, trimmed);
            if (lower.put(key, value) != null) {
                throw new IllegalArgumentException("nick " + trimmed + " has the tag " + key + " twice");
            }
        }
        return new NamesEntry(trimmed, lower);
    }

    /** Builds from parsed parts without the writer's checks (a read value is whatever the file says). */
    static NamesEntry parsed(String nick, Map<String, String> tags) {
        return new NamesEntry(nick, new LinkedHashMap<>(tags));
    }

    /** The nickname as written. */
    public String nick() {
        return nick;
    }

    /** Tag names (lower case) to values, in file order; the nick is not among them. */
    public Map<String, String> tags() {
        return tags;
    }

    /** A tag's value; {@code tag} in any case; {@code "nick"} gives the nick. */
    public Optional<String> get(String tag) {
        String key = tag.toLowerCase(Locale.ROOT);
        if (key.equals("nick")) {
            return Optional.of(nick);
        }
        return Optional.ofNullable(tags.get(key));
    }

    /** This entry with the tags it lacks taken from {@code defaults} ({@link NamesFile#withDefaults}). */
    public NamesEntry withDefaults(NamesEntry defaults) {
        return new NamesEntry(nick, NamesFile.withDefaults(tags, defaults.tags));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NamesEntry entry && entry.nick.equals(nick) && entry.tags.equals(tags);
    }

    @Override
    public int hashCode() {
        return Objects.hash(nick, tags);
    }

    @Override
    public String toString() {
        return ":nick." + nick + " " + tags;
    }
}
