package org.clonefarm.cli;

import picocli.CommandLine;

/**
 * Entry point of the {@code clonefarm} command.
 *
 * <p>Errors reach the user as one or two plain sentences and a non-zero exit code; the stack trace
 * is printed only with {@code --debug}. Exit codes: 0 success, 1 the work failed, 2 bad usage.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code; never calls {@link System#exit}. */
    public static int run(String... args) {
        CommandLine commandLine = newCommandLine();
        return commandLine.execute(args);
    }

    /** Runs with the usage and error messages going to the given writers (visible for testing). */
    static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine commandLine = newCommandLine();
        commandLine.setOut(out);
        commandLine.setErr(err);
        return commandLine.execute(args);
    }

    /** The configured picocli command tree (visible for tests of option parsing). */
    static CommandLine newCommandLine() {
        ClonefarmCommand root = new ClonefarmCommand();
        CommandLine commandLine = new CommandLine(root);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setExecutionExceptionHandler(new UserErrorHandler(root));
        commandLine.setParameterExceptionHandler(new UsageErrorHandler());
        return commandLine;
    }
}
