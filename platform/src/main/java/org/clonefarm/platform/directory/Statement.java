package org.clonefarm.platform.directory;

import java.util.List;

/**
 * One statement of a CP directory source file (USER DIRECT). Each kind is an immutable record;
 * {@link #tokens()} are the blank-separated words it prints as (the printer adds the indentation),
 * except {@link CommentLine} and {@link UnknownStatement}, which print their text as it was read.
 *
 * <p>Two statements are equal when they mean the same: {@code MDISK 200 ...} and
 * {@code mdisk 0200 ...} parse to equal records.
 */
public sealed interface Statement permits EntryHeader, UserStatement, ProfileStatement, IncludeStatement, MdiskStatement,
        LinkStatement, IplStatement, MachineStatement, NicdefStatement, DedicateStatement, ConsoleStatement,
        SpoolStatement, CommentLine, UnknownStatement {

    /** The statement's keyword in upper case ({@code MDISK}); {@code *} for a comment, the first word for an unknown statement. */
    String keyword();

    /** The words of the statement, keyword first, as they are printed. */
    List<String> tokens();
}
