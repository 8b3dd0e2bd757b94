package org.clonefarm.platform.directory;

import java.util.Objects;
import org.clonefarm.platform.ids.Userid;

/**
 * One thing wrong with a directory as a whole, found by {@link DirectoryValidator}. Immutable.
 *
 * @param kind what kind of problem
 * @param entry the entry it was found in
 * @param line the source line of the statement (0 for an entry built in code)
 * @param message one sentence naming the statements involved
 */
public record DirectoryProblem(Kind kind, Userid entry, int line, String message) {

    /** The kinds of problem whole-directory validation finds. */
    public enum Kind {
        /** Two entries (users, identities or profiles) with one name. */
        DUPLICATE_USERID,
        /** Two device statements with one vaddr in the same entry. */
        DUPLICATE_VADDR,
        /** Two minidisk extents share cylinders or blocks of a volume. */
        OVERLAPPING_EXTENTS,
        /** A LINK to a userid that has no entry. */
        LINK_OWNER_MISSING,
        /** A LINK to a vaddr the owner has no MDISK at. */
        LINK_VADDR_MISSING,
        /** An INCLUDE of a profile that does not exist. */
        PROFILE_MISSING,
        /** A DirMaint AUTOG size left in a directory (only prototypes may have one). */
        UNRESOLVED_AUTOG,
        /** An extent beyond the end of its volume, or of another device type than the volume. */
        EXTENT_OUTSIDE_VOLUME,
        /** An MDISK in a PROFILE entry, where CP does not allow one (every including user would share it). */
        MDISK_IN_PROFILE
    }

    public DirectoryProblem {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return (line > 0 ? "line " + line + ": " : "") + kind + ": " + message;
    }
}
