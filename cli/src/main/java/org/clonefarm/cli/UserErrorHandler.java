package org.clonefarm.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns an exception from a command into one plain sentence on stderr and an exit code. With
 * {@code --debug} the stack trace follows. A Kafka cluster's refusal among the causes (TLS, SASL, an ACL) is
 * said as {@link KafkaRefusal} says it, with the command's {@code --bootstrap-servers} and {@code --kafka-config}.
 * Other exceptions that are not {@link UserError}s are unexpected: their message is shown with the exception
 * type, so a bug report has something to quote.
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
        Optional<String> refusal = KafkaRefusal.describe(ex, client(commandLine));
        if (refusal.isPresent()) {
            err.println(command + ": " + refusal.get());
            if (root.debug()) {
                ex.printStackTrace(err);
            }
            err.flush();
            return ex instanceof UserError userError ? userError.exitCode() : 1;
        }
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

    /** The Kafka client the failed command was given, as far as its options say. */
    private static KafkaRefusal.Client client(CommandLine commandLine) {
        ParseResult parsed = commandLine.getParseResult();
        if (parsed == null) {
            return KafkaRefusal.Client.of(null, null);
        }
        return KafkaRefusal.Client.of(parsed.matchedOptionValue("--bootstrap-servers", (String) null),
                parsed.matchedOptionValue("--kafka-config", (Path) null));
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
