package org.clonefarm.platform.names;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.cms.EdfFileSystem;
import org.clonefarm.platform.cms.RecordFormat;

/**
 * A CMS NAMES file: entries that start with {@code :nick.VALUE} as the first word of a record, each
 * followed by {@code :tag.value} pairs on the same or later records until the next {@code :nick.}.
 * Immutable and thread-safe.
 *
 * <h2>Reading</h2>
 * <ul>
 *   <li>A tag is a colon at the start of a record or after a blank, a tag name (a letter, then letters,
 *       digits or {@code _ @ # $ -}), and a period. Tag names are case-insensitive.</li>
 *   <li>A value runs to the next tag; trailing blanks of each record are dropped, a value that goes on
 *       in the next record is joined with one blank, and values are trimmed.</li>
 *   <li>Blank records are skipped. Text before the first {@code :nick.}, a {@code :nick.} that is not the
 *       first word of its record, a tag twice in one entry or a nick twice are errors naming the record.</li>
 * </ul>
 *
 * <h2>Values with colons (IPv6)</h2>
 * A colon is part of a value unless it starts a record or follows a blank <em>and</em> is followed by a
 * tag name and a period. IPv6 text has no blanks, so {@code :ipaddr6.2001:db8::21} or
 * {@code :ipaddr6.::ffff:10.1.1.21} reads back exactly: every colon in it follows a hex digit, a colon
 * or the tag's period. Values are written as they are, with no quoting; the writer refuses a value that
 * would read back differently (one holding blank + {@code :name.}), and never breaks a value without
 * blanks across records.
 *
 * <h2>Writing</h2>
 * One entry per {@code :nick.}, starting a new record; the {@code :tag.value} pairs follow, wrapped to
 * the record length at blanks, continuation records indented by two blanks. A {@code :tag.value} with no
 * blank that is longer than a record cannot be written.
 */
public final class NamesFile {

    /** The nick of the entry whose tags fill in what other entries lack. */
    public static final String DEFAULTS = "DEFAULTS";

    /** The record length of NAMES files CMS writes (F 80). */
    public static final int DEFAULT_RECORD_LENGTH = 80;
    /**
     * The largest NAMES text file read: 64 MiB, some 800,000 records of 80 columns, the NAMES entries
     * of well over 100,000 clones.
     */
    public static final int MAX_TEXT_FILE_BYTES = 64 * 1024 * 1024;

    private static final Pattern TAG = Pattern.compile("(?<!\\S):(" + NamesEntry.TAG_NAME.pattern() + ")\\.");
    private static final String INDENT = "  ";

    private final List<NamesEntry> entries;
    private final Map<String, NamesEntry> byNick;

    private NamesFile(List<NamesEntry> entries) {
        this.entries = Collections.unmodifiableList(new ArrayList<>(entries));
        Map<String, NamesEntry> index = new LinkedHashMap<>();
        for (NamesEntry entry : entries) {
            if (index.put(key(entry.nick()), entry) != null) {
                throw new IllegalArgumentException("nick " + entry.nick() + " is given twice");
            }
        }
        this.byNick = index;
    }

    /**
     * A NAMES file of these entries, in this order.
     *
     * @throws IllegalArgumentException if two entries have the same nick (in any case)
     */
    public static NamesFile of(List<NamesEntry> entries) {
        return new NamesFile(entries);
    }

    /** The entries in file order. */
    public List<NamesEntry> entries() {
        return entries;
    }

    /** The entry with this nick, compared case-insensitively, without defaults. */
    public Optional<NamesEntry> entry(String nick) {
        return Optional.ofNullable(byNick.get(key(nick)));
    }

    /**
     * The entry with this nick, with the tags it lacks taken from the {@code DEFAULTS} entry if there is
     * one ({@link #withDefaults}): what the guest agent reads for its userid.
     */
    public Optional<NamesEntry> resolve(String nick) {
        Optional<NamesEntry> entry = entry(nick);
        Optional<NamesEntry> defaults = entry(DEFAULTS);
        if (entry.isEmpty() || defaults.isEmpty()) {
            return entry;
        }
        return Optional.of(entry.get().withDefaults(defaults.get()));
    }

    /**
     * The {@code DEFAULTS} rule, the one place it is written: a clone's entry keeps every tag it has, and
     * takes each tag it lacks from the {@code DEFAULTS} entry. Tag names are compared without regard to
     * case and come back in lower case; the entry's own tags come first, in their order, then the
     * inherited ones in the order of {@code DEFAULTS}; {@code nick} is no tag and is dropped. Values are
     * kept as they are. Used by {@link #resolve} and by the guest agent, whose entries come from any
     * configuration source.
     *
     * @param own the clone's entry: tag names (any case) to values
     * @param defaults the {@code DEFAULTS} entry's tags, or an empty map when there is none
     * @return a new map, which the caller may change
     */
    public static Map<String, String> withDefaults(Map<String, String> own, Map<String, String> defaults) {
        Map<String, String> merged = new LinkedHashMap<>();
        own.forEach((tag, value) -> merged.put(tag.toLowerCase(Locale.ROOT), value));
        defaults.forEach((tag, value) -> merged.putIfAbsent(tag.toLowerCase(Locale.ROOT), value));
        merged.remove("nick");
        return merged;
    }

    /**
     * Parses the records of a NAMES file (trailing blanks, such as F padding, are ignored).
     *
     * @throws NamesFormatException naming the record that breaks the rules
     */
    public static NamesFile parse(List<String> records) throws NamesFormatException {
        List<NamesEntry> result = new ArrayList<>();
        Map<String, Integer> nickRecords = new LinkedHashMap<>();
        boolean inEntry = false;
        int nickRecord = 0;
        Map<String, StringBuilder> tags = new LinkedHashMap<>();
        StringBuilder current = null;
        for (int r = 0; r < records.size(); r++) {
            int number = r + 1;
            String text = records.get(r).stripTrailing();
            if (text.isBlank()) {
                continue;
            }
            Matcher matcher = TAG.matcher(text);
            int position = 0;
            boolean first = true;
            while (true) {
                boolean found = matcher.find();
                int end = found ? matcher.start() : text.length();
                String piece = text.substring(position, end).strip();
                if (!piece.isEmpty()) {
                    if (current == null) {
                        throw new NamesFormatException(number, "text '" + abbreviate(piece)
                                + "' comes before the first :nick. tag");
                    }
                    if (first && current.length() > 0) {
                        current.append(' ');
                    }
                    current.append(piece);
                }
                if (!found) {
                    break;
                }
                String tag = matcher.group(1).toLowerCase(Locale.ROOT);
                if (tag.equals("nick")) {
                    if (!text.substring(0, matcher.start()).isBlank()) {
                        throw new NamesFormatException(number, ":nick. must be the first word of a record");
                    }
                    if (inEntry) {
                        result.add(finish(tags, nickRecord, nickRecords));
                    }
                    inEntry = true;
                    nickRecord = number;
                    tags = new LinkedHashMap<>();
                    current = new StringBuilder();
                    tags.put("nick", current);
                } else {
                    if (!inEntry) {
                        throw new NamesFormatException(number, "tag :" + matcher.group(1)
                                + ". comes before the first :nick. tag");
                    }
                    if (tags.containsKey(tag)) {
                        throw new NamesFormatException(number, "tag :" + tag + ". is given twice in the entry of record "
                                + nickRecord);
                    }
                    current = new StringBuilder();
                    tags.put(tag, current);
                }
                first = false;
                position = matcher.end();
            }
        }
        if (inEntry) {
            result.add(finish(tags, nickRecord, nickRecords));
        }
        return new NamesFile(result);
    }

    private static NamesEntry finish(Map<String, StringBuilder> tags, int nickRecord,
            Map<String, Integer> nickRecords) throws NamesFormatException {
        String nick = tags.get("nick").toString().strip();
        if (nick.isEmpty()) {
            throw new NamesFormatException(nickRecord, ":nick. has no value");
        }
        Integer earlier = nickRecords.putIfAbsent(key(nick), nickRecord);
        if (earlier != null) {
            throw new NamesFormatException(nickRecord, "nick " + nick + " is given twice (first in record " + earlier + ")");
        }
        Map<String, String> values = new LinkedHashMap<>();
        tags.forEach((name, value) -> {
            if (!name.equals("nick")) {
                values.put(name, value.toString().strip());
            }
        });
        return NamesEntry.parsed(nick, values);
    }

    /**
     * The records of this file, each at most {@code recordLength} characters (not padded).
     *
     * @throws IllegalArgumentException if a {@code :tag.value} word is longer than a record
     */
    public List<String> toRecords(int recordLength) {
        if (recordLength < 16) {
            throw new IllegalArgumentException("record length " + recordLength + " is too short for a NAMES file (at least 16)");
        }
        List<String> records = new ArrayList<>();
        for (NamesEntry entry : entries) {
            List<String> words = new ArrayList<>();
            words.add(":nick." + entry.nick());
            for (Map.Entry<String, String> tag : entry.tags().entrySet()) {
                String[] parts = tag.getValue().isEmpty() ? new String[] {""} : tag.getValue().split(" ", -1);
                words.add(":" + tag.getKey() + "." + parts[0]);
                for (int i = 1; i < parts.length; i++) {
                    words.add(parts[i]);
                }
            }
            StringBuilder line = new StringBuilder();
            for (String word : words) {
                if (line.length() == 0) {
                    line.append(word);
                } else if (line.length() + 1 + word.length() <= recordLength) {
                    line.append(' ').append(word);
                } else {
                    records.add(line.toString());
                    line.setLength(0);
                    line.append(INDENT).append(word);
                }
                if (line.length() > recordLength) {
                    throw new IllegalArgumentException("nick " + entry.nick() + ": '" + abbreviate(word) + "' is "
                            + word.length() + " characters without a blank and does not fit a record of "
                            + recordLength);
                }
            }
            records.add(line.toString());
        }
        return records;
    }

    /** Reads a NAMES file from a CMS disk. */
    public static NamesFile read(EdfFileSystem disk, CmsFileId file) throws IOException {
        return parse(disk.readLines(file));
    }

    /**
     * Writes this file to a CMS disk, replacing one of the same name.
     *
     * @param format F (records padded with blanks to {@code recordLength}) or V
     */
    public void write(EdfFileSystem disk, CmsFileId file, RecordFormat format, int recordLength) throws IOException {
        disk.writeLines(file, format, recordLength, toRecords(recordLength));
    }

    /** Checks that a value reads back as written; see the class comment on colons. */
    static void checkValue(String value, String tag, String nick) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\n' || c == '\r' || c > 0xFF) {
                throw new IllegalArgumentException("nick " + nick + ", tag " + tag + ": the value has the character U+"
                        + String.format("%04X", (int) c) + ", which a NAMES record cannot hold");
            }
        }
        Matcher matcher = TAG.matcher(value);
        while (matcher.find()) {
            // at position 0 the value follows the tag's period in the file, so a colon there is no tag
            if (matcher.start() > 0) {
                throw new IllegalArgumentException("nick " + nick + ", tag " + tag + ": the value '" + abbreviate(value)
                        + "' holds '" + matcher.group() + "' after a blank, which would read back as a tag");
            }
        }
    }

    private static String key(String nick) {
        return nick.toUpperCase(Locale.ROOT);
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }
}
