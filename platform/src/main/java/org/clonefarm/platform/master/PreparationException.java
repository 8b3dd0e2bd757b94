package org.clonefarm.platform.master;

/**
 * Preparation cannot go on; the message is one or two sentences that name the tree, the path and what
 * is wrong, and {@link #reason()} says which kind of refusal or failure it is, so a caller can add what
 * to do (the command line names its own commands). Nothing has been changed when the reason is a
 * refusal; after {@link Reason#STEP_FAILED} the journal says how far the run got, and the same command
 * again continues from there.
 */
public final class PreparationException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** The directory is not a Linux root file system (no /usr, /var, os-release). */
        NOT_A_LINUX_TREE,
        /** The directory is the root of the running system. */
        RUNNING_SYSTEM,
        /** Apply asked on a tree that a complete apply already prepared. */
        ALREADY_PREPARED,
        /** Apply asked for one profile while an apply of another was interrupted. */
        OTHER_PROFILE_INTERRUPTED,
        /** Apply asked while an undo was interrupted. */
        UNDO_INTERRUPTED,
        /** Undo asked on a tree with no journal. */
        NO_JOURNAL,
        /** The journal cannot be read or does not hold together. */
        DAMAGED_JOURNAL,
        /** Analysis found what keeps the profile from being applied (listed in the message). */
        BLOCKED,
        /** The tree is not in a state the journal explains: someone changed it between the steps. */
        TREE_CHANGED,
        /** A file operation failed (disk full, permissions); the journal keeps the progress. */
        STEP_FAILED
    }

    private final Reason reason;

    public PreparationException(Reason reason, String message) {
        this(reason, message, null);
    }

    public PreparationException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
