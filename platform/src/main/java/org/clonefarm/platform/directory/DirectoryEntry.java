package org.clonefarm.platform.directory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;

/**
 * One entry of the CP directory: a USER, IDENTITY or PROFILE statement and the statements that
 * follow it up to the next entry, in order (comments included). Remembers the source line of each
 * statement for error messages; lines do not take part in {@link #equals(Object)}, which compares
 * what the entry means.
 *
 * <p>Immutable and thread-safe; "changes" return a new entry.
 */
public final class DirectoryEntry {

    private final EntryHeader header;
    private final List<Statement> body;
    private final int[] lines;

    private DirectoryEntry(EntryHeader header, List<Statement> body, int[] lines) {
        this.header = Objects.requireNonNull(header, "header");
        this.body = List.copyOf(body);
        for (Statement statement : this.body) {
            if (statement instanceof EntryHeader) {
                throw new IllegalArgumentException("entry " + header.name() + ": a " + statement.keyword()
                        + " statement starts a new entry and cannot be inside one");
            }
        }
        this.lines = lines;
    }

    /** An entry built in code (no source lines). */
    public static DirectoryEntry of(EntryHeader header, List<? extends Statement> body) {
        return new DirectoryEntry(header, new ArrayList<>(body), new int[body.size() + 1]);
    }

    /** An entry read from a file: {@code lines[0]} is the header's line, {@code lines[i + 1]} body statement i's. */
    static DirectoryEntry read(EntryHeader header, List<Statement> body, int[] lines) {
        if (lines.length != body.size() + 1) {
            throw new IllegalArgumentException("one line number per statement expected");
        }
        return new DirectoryEntry(header, body, lines.clone());
    }

    /** The entry's userid or profile name. */
    public Userid name() {
        return header.name();
    }

    /** The USER, IDENTITY or PROFILE statement. */
    public EntryHeader header() {
        return header;
    }

    /** Whether this is a PROFILE entry. */
    public boolean isProfile() {
        return header instanceof ProfileStatement;
    }

    /** The USER or IDENTITY statement, empty for a profile. */
    public Optional<UserStatement> user() {
        return header instanceof UserStatement user ? Optional.of(user) : Optional.empty();
    }

    /** The statements after the header, in order. */
    public List<Statement> body() {
        return body;
    }

    /** The source line of the header (0 when built in code). */
    public int line() {
        return lines[0];
    }

    /** The source line of body statement {@code index} (0 when built in code). */
    public int lineOf(int index) {
        return lines[index + 1];
    }

    /** The MDISK statements, in order. */
    public List<MdiskStatement> minidisks() {
        return ofKind(MdiskStatement.class);
    }

    /** The MDISK at {@code vaddr}, if the entry defines one. */
    public Optional<MdiskStatement> minidisk(Vaddr vaddr) {
        for (Statement statement : body) {
            if (statement instanceof MdiskStatement mdisk && mdisk.vaddr().equals(vaddr)) {
                return Optional.of(mdisk);
            }
        }
        return Optional.empty();
    }

    /** The LINK statements, in order. */
    public List<LinkStatement> links() {
        return ofKind(LinkStatement.class);
    }

    /** The profiles this entry INCLUDEs. */
    public List<Userid> includes() {
        List<Userid> names = new ArrayList<>();
        for (IncludeStatement include : ofKind(IncludeStatement.class)) {
            names.add(include.profile());
        }
        return names;
    }

    /** The body statements of one kind, in order. */
    public <T extends Statement> List<T> ofKind(Class<T> kind) {
        List<T> found = new ArrayList<>();
        for (Statement statement : body) {
            if (kind.isInstance(statement)) {
                found.add(kind.cast(statement));
            }
        }
        return Collections.unmodifiableList(found);
    }

    /**
     * The virtual device address a statement defines, if it defines one: MDISK, LINK (its own
     * vaddr), DEDICATE, NICDEF, CONSOLE, SPOOL.
     */
    public static Optional<Vaddr> definedVaddr(Statement statement) {
        if (statement instanceof MdiskStatement s) {
            return Optional.of(s.vaddr());
        } else if (statement instanceof LinkStatement s) {
            return Optional.of(s.myVaddr());
        } else if (statement instanceof DedicateStatement s) {
            return Optional.of(s.vaddr());
        } else if (statement instanceof NicdefStatement s) {
            return Optional.of(s.vaddr());
        } else if (statement instanceof ConsoleStatement s) {
            return Optional.of(s.vaddr());
        } else if (statement instanceof SpoolStatement s) {
            return Optional.of(s.vaddr());
        }
        return Optional.empty();
    }

    /** This entry with another header (same body). */
    public DirectoryEntry withHeader(EntryHeader newHeader) {
        return new DirectoryEntry(newHeader, body, lines);
    }

    /** This entry with another body; source lines are dropped. */
    public DirectoryEntry withBody(List<? extends Statement> newBody) {
        return of(header, newBody);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DirectoryEntry other && header.equals(other.header) && body.equals(other.body);
    }

    @Override
    public int hashCode() {
        return header.hashCode() * 31 + body.hashCode();
    }

    @Override
    public String toString() {
        return header.keyword() + " " + name() + " (" + body.size() + " statements"
                + (lines[0] > 0 ? ", line " + lines[0] : "") + ")";
    }
}
