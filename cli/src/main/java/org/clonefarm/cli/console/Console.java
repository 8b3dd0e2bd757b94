package org.clonefarm.cli.console;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What a long-running command ({@code demo}, {@code up}, {@code worker}, {@code coordinator}) shows a
 * person: one line for each part that starts, results, problems as sentences and a live progress line.
 * The detail is in the command's log file ({@link ProcessLogging}); nothing here is a log line.
 *
 * <p>Narration, problems and progress go to standard error, results (the announcement of {@code up}, a
 * summary, {@code --json}) to standard output, so a pipe of stdout gets only results. When standard
 * error is a terminal the progress line is redrawn in place ({@code \r} and erase-line); every other line
 * first erases it and then draws it again below, so the progress stays the last line. When it is not a
 * terminal the progress is printed as plain lines, at most one per {@link #PLAIN_PROGRESS_INTERVAL_SECONDS}
 * seconds and only when more than the rate moved.
 *
 * <p>Thread-safe: every method holds this object's lock while it writes, so lines from the log's console
 * appender (any thread) never cut through the progress line.
 */
public final class Console implements AutoCloseable {
    /** The least time between two plain progress lines in a pipe. */
    public static final int PLAIN_PROGRESS_INTERVAL_SECONDS = 10;
    private static final String ERASE_LINE = "\r\u001b[K";

    private final String label;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean interactive;
    private final int width;
    private final Clock clock;
    private String progress;
    private String lastPlain;
    private long lastPlainNanos;
    private boolean plainPrinted;

    /** The monotonic time source, in nanoseconds (visible for testing). */
    interface Clock {
        long nanoTime();
    }

    Console(String label, PrintStream out, PrintStream err, boolean interactive, int width, Clock clock) {
        this.label = label;
        this.out = out;
        this.err = err;
        this.interactive = interactive;
        this.width = Math.max(20, width);
        this.clock = clock;
    }

    /**
     * The console of this process on {@code System.out} and {@code System.err} as they are now, interactive
     * when standard error is a terminal.
     *
     * @param label how lines begin, the command as the user knows it: {@code clonefarm demo}
     */
    public static Console system(String label) {
        boolean terminal = isTerminal(2);
        return new Console(label, System.out, System.err, terminal, terminal ? terminalColumns() : 0, System::nanoTime);
    }

    /** True when the progress line is redrawn in place. */
    public boolean interactive() {
        return interactive;
    }

    /** {@code LABEL: text} on standard error: what starts, where things are. */
    public synchronized void say(String text) {
        printAbove(err, label + ": " + text);
    }

    /**
     * A stream for code that narrates through a {@link PrintStream} (the local Kafka cluster): each line
     * written to it is {@linkplain #say said}. Lines are cut at {@code \n}; a last line without one is said at
     * {@code flush} or {@code close}. Not thread-safe on its own: one writer at a time.
     */
    public PrintStream narration() {
        return new PrintStream(new java.io.OutputStream() {
            private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

            @Override
            public void write(int b) {
                if (b == '\n') {
                    sayLine();
                } else {
                    line.write(b);
                }
            }

            @Override
            public void flush() {
                if (line.size() > 0) {
                    sayLine();
                }
            }

            private void sayLine() {
                say(line.toString(StandardCharsets.UTF_8).stripTrailing());
                line.reset();
            }
        }, true, StandardCharsets.UTF_8);
    }

    /** A line of results on standard output, as it is. */
    public synchronized void result(String line) {
        printAbove(out, line);
    }

    /**
     * A problem as one sentence on standard error: {@code LABEL: warning: ...} or {@code LABEL: error: ...}.
     * Only the first line of {@code text} is shown; the rest is in the log.
     */
    public synchronized void problem(boolean error, String text) {
        printAbove(err, label + (error ? ": error: " : ": warning: ") + firstLine(text));
    }

    /** A line of the log, formatted as in the file, for {@code --verbose}; may end with a line break. */
    public synchronized void logLine(String formatted) {
        printAbove(err, formatted.endsWith("\n") ? formatted.substring(0, formatted.length() - 1) : formatted);
    }

    /**
     * Shows the progress: redrawn in place on a terminal ({@code terminalLine}, clipped to the width), else
     * {@code plainLine} when the interval has passed and it says more than the last one did apart from
     * {@code rate}, or when {@code last}.
     *
     * @param rate the part of {@code plainLine} that changes all the time (rate, ETA); ignored when comparing
     */
    public synchronized void progress(String terminalLine, String plainLine, String rate, boolean last) {
        if (interactive) {
            String line = clip(terminalLine);
            if (!line.equals(progress)) {
                progress = line;
                err.print(ERASE_LINE + progress);
                err.flush();
            }
            return;
        }
        String comparable = rate.isEmpty() ? plainLine : plainLine.replace(rate, "");
        long now = clock.nanoTime();
        boolean due = !plainPrinted || now - lastPlainNanos >= TimeUnit.SECONDS.toNanos(PLAIN_PROGRESS_INTERVAL_SECONDS);
        if (last || (due && !comparable.equals(lastPlain))) {
            err.println(plainLine);
            err.flush();
            lastPlain = comparable;
            lastPlainNanos = now;
            plainPrinted = true;
        }
    }

    /** Leaves the progress line where it is (on a terminal the next line starts below it). */
    public synchronized void endProgress() {
        if (interactive && progress != null) {
            err.println();
            err.flush();
        }
        progress = null;
    }

    /** Ends the progress line, so that what the process prints next starts on a line of its own. */
    @Override
    public void close() {
        endProgress();
    }

    private void printAbove(PrintStream stream, String line) {
        if (interactive && progress != null) {
            err.print(ERASE_LINE);
            err.flush();
            stream.println(line);
            stream.flush();
            err.print(progress);
            err.flush();
        } else {
            stream.println(line);
            stream.flush();
        }
    }

    private String clip(String line) {
        // one column short of the width: a line that fills the last column wraps on some terminals
        return line.length() < width ? line : line.substring(0, width - 1);
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return (end < 0 ? text : text.substring(0, end)).stripTrailing();
    }

    /** Whether file descriptor {@code fd} of this process is a terminal (Linux: where /proc/self/fd/N points). */
    static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    /** {@code $COLUMNS}, else what {@code stty size} says of the controlling terminal, else 80. */
    private static int terminalColumns() {
        String columns = System.getenv("COLUMNS");
        if (columns != null) {
            try {
                return Integer.parseInt(columns.strip());
            } catch (NumberFormatException e) {
                // ask the terminal
            }
        }
        try {
            Process stty = new ProcessBuilder("stty", "size").redirectInput(new File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String size = new String(stty.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            if (stty.waitFor(2, TimeUnit.SECONDS) && stty.exitValue() == 0) {
                String[] rowsColumns = size.split("\\s+");
                if (rowsColumns.length == 2 && Integer.parseInt(rowsColumns[1]) > 0) {
                    return Integer.parseInt(rowsColumns[1]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no terminal to ask
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 80;
    }
}
