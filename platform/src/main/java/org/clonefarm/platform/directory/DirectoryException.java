package org.clonefarm.platform.directory;

/**
 * A directory that cannot be read or written: a statement that does not parse, a line that would
 * exceed 72 columns, an entry that clashes with another. The message names the file and line (or
 * the entry) and what is wrong; {@link #line()} is 0 when no source line applies. Not retryable: the
 * directory text or the request must change.
 */
public class DirectoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;

    public DirectoryException(String source, int line, String message) {
        super(prefix(source, line) + message);
        this.source = source;
        this.line = line;
    }

    public DirectoryException(String source, int line, String message, Throwable cause) {
        super(prefix(source, line) + message, cause);
        this.source = source;
        this.line = line;
    }

    private static String prefix(String source, int line) {
        if (source == null) {
            return "";
        }
        return line > 0 ? source + " line " + line + ": " : source + ": ";
    }

    /** The file (or other source) the directory came from, or {@code null}. */
    public String source() {
        return source;
    }

    /** The 1-based line, or 0 when the error is not about one line. */
    public int line() {
        return line;
    }
}
