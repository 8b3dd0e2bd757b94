package org.clonefarm.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.clonefarm.cli.console.Console;
import org.clonefarm.cli.console.ProcessLogging;
import picocli.CommandLine.Option;

/**
 * {@code --verbose} of the long-running commands ({@code demo}, {@code up}, {@code worker}, {@code
 * coordinator}), a picocli mixin, and the terminal and log file those commands run with.
 */
public final class ConsoleOptions {

    @Option(names = "--verbose",
            description = "Show the log on the terminal as well; it always goes to DATA/" + ProcessLogging.LOGS_DIRECTORY
                    + "/clonefarm-COMMAND.log (rotated), and the terminal shows what starts, progress, problems and results.")
    boolean verbose;

    /**
     * The terminal and the log of a long-running command, from now until {@link #close()}; says first where the
     * log is.
     *
     * @param label the command as the user knows it, {@code clonefarm demo}: how the terminal's lines begin
     * @param logName the log file's name after {@code clonefarm-}: the command, with an id where several may
     *        share the data directory
     * @throws UserError when the logs directory cannot be created
     */
    CommandConsole open(String label, Path dataDir, String logName) {
        Console console = Console.system(label);
        ProcessLogging.ProcessLog log;
        try {
            log = ProcessLogging.toFile(dataDir, logName, verbose, console);
        } catch (IOException e) {
            throw new UserError("cannot write the log under " + dataDir.resolve(ProcessLogging.LOGS_DIRECTORY) + ": " + e
                    + ". Check the data directory (--data).", e);
        }
        console.say("log in " + log.file() + (verbose ? "" : " (--verbose shows it here too)"));
        return new CommandConsole(console, log);
    }

    /** A long-running command's terminal and log file; closing ends the progress line and the log file. */
    record CommandConsole(Console console, ProcessLogging.ProcessLog log) implements AutoCloseable {
        @Override
        public void close() {
            console.close();
            log.close();
        }
    }
}
