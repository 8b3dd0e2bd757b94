package org.clonefarm.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns an exception from a command into one plain sentence on stderr and an exit code. With
 * {@code --debug} the stack trace follows. Exceptions that are not {@link UserError}s are unexpected:
 * their message is shown with the exception type, so a bug report has something to quote.
 */
final class UserErrorHandler implements IExecutionExceptionHandler {
    private final ClonefarmCommand root;

    UserErrorHandler(ClonefarmCommand root) {
        this.root = root;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine commandLine, ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        String command = commandLine.getCommandSpec().qualifiedName();
        if (ex instanceof UserError userError) {
            err.println(command + ": " + userError.getMessage());
            if (root.debug()) {
                ex.printStackTrace(err);
            }
            err.flush();
            return userError.exitCode();
        }
        err.println(command + ": unexpected error: " + describe(ex));
        err.println("Run again with --debug for the stack trace, and report it if it persists.");
        if (root.debug()) {
            ex.printStackTrace(err);
        }
        err.flush();
        return 1;
    }

    private static String describe(Throwable ex) {
        StringBuilder text = new StringBuilder(ex.getClass().getSimpleName());
        if (ex.getMessage() != null) {
            text.append(": ").append(ex.getMessage());
        }
        Throwable cause = ex.getCause();
        if (cause != null && cause != ex && cause.getMessage() != null) {
            text.append(" (caused by ").append(cause.getClass().getSimpleName())
                    .append(": ").append(cause.getMessage()).append(')');
        }
        return text.toString();
    }
}
