package org.clonefarm.platform.names;

import java.io.IOException;

/**
 * A NAMES file that does not follow the rules: text before the first {@code :nick.}, a {@code :nick.}
 * that is not the first word of its record, a tag given twice in one entry, a nick given twice. Names
 * the record (1-based). Not retryable: the file must be fixed.
 */
public final class NamesFormatException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int record;

    public NamesFormatException(int record, String detail) {
        super("NAMES record " + record + ": " + detail);
        this.record = record;
    }

    /** The record (1-based) where the problem is. */
    public int record() {
        return record;
    }
}
