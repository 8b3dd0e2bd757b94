package org.clonefarm.cli;

/**
 * An error the user can act on: bad input or a condition outside the program. Its message is shown
 * as it is, without a stack trace, and the command exits with {@link #exitCode()}.
 */
public class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    public UserError(String message) {
        this(message, 1, null);
    }

    public UserError(String message, Throwable cause) {
        this(message, 1, cause);
    }

    public UserError(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** Usage error: bad option value; exit code 2. */
    public static UserError usage(String message) {
        return new UserError(message, 2, null);
    }

    public int exitCode() {
        return exitCode;
    }
}
