package org.clonefarm.platform.directory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.clonefarm.platform.io.BoundedFiles;
import org.clonefarm.platform.io.DurableFiles;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.volume.Extent;

/**
 * A CP directory source (USER DIRECT): statements before the first entry (comments, DIRECTORY,
 * GLOBALDEFS, ... kept as they are) and the entries in file order, looked up by name in constant
 * time.
 *
 * <p>Reading and printing round-trip: {@code parse(print(d))} equals {@code d}. Every printed line
 * fits in 72 columns, or printing fails naming the entry. Not thread-safe: confine a directory to
 * one thread or guard it (the coordinator owns one at a time).
 */
public final class UserDirectory {
    /**
     * The largest directory file read: 64 MiB, room for some 30,000 entries of 25 statements, far
     * more than a z/VM system holds.
     */
    public static final int MAX_FILE_BYTES = 64 * 1024 * 1024;

    /** Columns a directory statement may use; 73-80 are the sequence field. */
    public static final int COLUMNS = DirectoryParser.COLUMNS;

    private final List<Statement> preamble;
    /** Entries in file order; a parsed file may repeat a name (validation reports it). */
    private final List<DirectoryEntry> entries = new ArrayList<>();
    /** The first entry of each name. */
    private final Map<Userid, DirectoryEntry> byName = new HashMap<>();
    private final String source;

    UserDirectory(List<Statement> preamble, String source) {
        this.preamble = new ArrayList<>(preamble);
        this.source = source;
    }

    /** An empty directory (no entries, no preamble). */
    public static UserDirectory empty() {
        return new UserDirectory(List.of(), null);
    }

    /**
     * Parses directory text.
     *
     * @param sourceName the file name errors are reported against
     * @throws DirectoryException naming the source and line of the first statement that does not parse
     */
    public static UserDirectory parse(String text, String sourceName) {
        return new DirectoryParser(sourceName).parse(text);
    }

    /**
     * Reads and parses a directory file (UTF-8 or plain ASCII) of at most {@link #MAX_FILE_BYTES}.
     *
     * @throws org.clonefarm.platform.io.BoundedFiles.FileTooLargeException when the file is larger
     */
    public static UserDirectory read(Path file) throws IOException {
        return parse(BoundedFiles.readUtf8(file, MAX_FILE_BYTES, "directory file"), file.toString());
    }

    /** Parses one statement line (for tools and tests); errors name {@code sourceName} and line 1. */
    public static Statement parseStatement(String line, String sourceName) {
        return new DirectoryParser(sourceName).parseLine(line);
    }

    /** Where this directory was read from, or {@code null}. */
    public String source() {
        return source;
    }

    /** The statements before the first entry. */
    public List<Statement> preamble() {
        return Collections.unmodifiableList(preamble);
    }

    /** All entries (users, identities and profiles) in order. */
    public List<DirectoryEntry> entries() {
        return Collections.unmodifiableList(entries);
    }

    /** Number of entries. */
    public int size() {
        return entries.size();
    }

    /** The entry named {@code name} (a userid or profile name). */
    public Optional<DirectoryEntry> entry(Userid name) {
        return Optional.ofNullable(byName.get(name));
    }

    /**
     * The MDISK {@code vaddr} of {@code userid}'s entry. (CP allows MDISK statements in user,
     * identity and subconfiguration entries only, never in profiles, so a profile is not searched.)
     */
    public Optional<MdiskStatement> minidisk(Userid userid, Vaddr vaddr) {
        DirectoryEntry entry = byName.get(userid);
        return entry == null || entry.isProfile() ? Optional.empty() : entry.minidisk(vaddr);
    }

    /**
     * Adds an entry at the end.
     *
     * @throws DirectoryException if an entry of that name exists
     */
    public void add(DirectoryEntry entry) {
        if (byName.containsKey(entry.name())) {
            throw new DirectoryException(source, entry.line(), "entry " + entry.name() + " already exists");
        }
        entries.add(entry);
        byName.put(entry.name(), entry);
    }

    /** Adds an entry as read from a file, even if its name repeats (the validator reports that). */
    void addAsRead(DirectoryEntry entry) {
        entries.add(entry);
        byName.putIfAbsent(entry.name(), entry);
    }

    /**
     * Adds all entries at the end, or none: if any name exists already or twice in {@code batch},
     * nothing is added.
     *
     * @throws DirectoryException naming every clashing entry
     */
    public void addAll(Collection<DirectoryEntry> batch) {
        Set<Userid> seen = new HashSet<>();
        List<String> clashes = new ArrayList<>();
        for (DirectoryEntry entry : batch) {
            if (byName.containsKey(entry.name()) || !seen.add(entry.name())) {
                clashes.add(entry.name().value());
            }
        }
        if (!clashes.isEmpty()) {
            throw new DirectoryException(source, 0, "cannot add " + batch.size() + " entries: " + clashes.size()
                    + " already exist or repeat (" + summarize(clashes) + "); nothing was added");
        }
        for (DirectoryEntry entry : batch) {
            entries.add(entry);
            byName.put(entry.name(), entry);
        }
    }

    /** Replaces the entry of the same name, keeping its place. */
    public void replace(DirectoryEntry entry) {
        DirectoryEntry old = byName.get(entry.name());
        if (old == null) {
            throw new DirectoryException(source, 0, "entry " + entry.name() + " does not exist");
        }
        entries.set(entries.indexOf(old), entry);
        byName.put(entry.name(), entry);
    }

    /** Removes the (first) entry {@code name}; returns whether it existed. */
    public boolean remove(Userid name) {
        DirectoryEntry old = byName.remove(name);
        if (old == null) {
            return false;
        }
        entries.remove(old);
        for (DirectoryEntry entry : entries) {
            if (entry.name().equals(name)) {
                byName.put(name, entry);
                break;
            }
        }
        return true;
    }

    /** Every concrete minidisk extent of every entry (not V-DISK, T-DISK, DEVNO, AUTOG or END sizes). */
    public List<Extent> usedExtents() {
        List<Extent> used = new ArrayList<>();
        for (DirectoryEntry entry : entries) {
            for (MdiskStatement mdisk : entry.minidisks()) {
                mdisk.extent().ifPresent(used::add);
            }
        }
        return used;
    }

    /**
     * The directory as text, one statement per line: entry headers in column 1, their statements
     * indented by one blank, comments and unknown statements exactly as read.
     *
     * @throws DirectoryException naming the entry whose statement would not fit 72 columns
     */
    public String print() {
        StringBuilder out = new StringBuilder(64 * (preamble.size() + entries.size() * 12));
        for (Statement statement : preamble) {
            appendLine(out, statement, false, null);
        }
        for (DirectoryEntry entry : entries) {
            appendLine(out, entry.header(), false, entry);
            for (Statement statement : entry.body()) {
                appendLine(out, statement, true, entry);
            }
        }
        return out.toString();
    }

    /** Prints the directory and replaces {@code file} atomically and durably with it. */
    public void write(Path file) throws IOException {
        DurableFiles.replace(file, print().getBytes(StandardCharsets.UTF_8));
    }

    /** Validates the whole directory without volume sizes; see {@link DirectoryValidator}. */
    public List<DirectoryProblem> validate() {
        return DirectoryValidator.withoutVolumes().validate(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UserDirectory other && preamble.equals(other.preamble) && entries.equals(other.entries);
    }

    @Override
    public int hashCode() {
        return preamble.hashCode() * 31 + entries.hashCode();
    }

    @Override
    public String toString() {
        return "UserDirectory(" + (source == null ? "" : source + ", ") + entries.size() + " entries)";
    }

    private void appendLine(StringBuilder out, Statement statement, boolean indent, DirectoryEntry entry) {
        int start = out.length();
        if (statement instanceof CommentLine comment) {
            out.append(comment.text());
        } else if (statement instanceof UnknownStatement unknown) {
            out.append(unknown.text());
        } else {
            if (indent) {
                out.append(' ');
            }
            List<String> tokens = statement.tokens();
            for (int i = 0; i < tokens.size(); i++) {
                if (i > 0) {
                    out.append(' ');
                }
                out.append(tokens.get(i));
            }
        }
        int width = out.length() - start;
        if (width > COLUMNS) {
            String text = out.substring(start);
            out.setLength(start);
            throw new DirectoryException(source, 0, (entry == null ? "" : "entry " + entry.name() + ": ") + statement.keyword()
                    + " statement is " + width + " columns, more than the " + COLUMNS + " CP reads: '" + text + "'");
        }
        out.append('\n');
    }

    static String summarize(List<String> names) {
        if (names.size() <= 5) {
            return String.join(", ", names);
        }
        return String.join(", ", names.subList(0, 5)) + " and " + (names.size() - 5) + " more";
    }
}
