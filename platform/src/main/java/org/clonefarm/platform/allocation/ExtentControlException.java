package org.clonefarm.platform.allocation;

/**
 * An EXTENT CONTROL file that does not parse or does not hold together (a group naming a missing
 * region, a volume given two sizes). The message names the file and line. Not retryable: the file
 * must be fixed.
 */
public class ExtentControlException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int line;

    public ExtentControlException(String source, int line, String message) {
        super((source == null ? "" : source + (line > 0 ? " line " + line : "") + ": ") + message);
        this.line = line;
    }

    /** The 1-based line, or 0 when the problem is not on one line. */
    public int line() {
        return line;
    }
}
