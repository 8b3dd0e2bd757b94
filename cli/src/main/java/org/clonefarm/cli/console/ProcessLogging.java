package org.clonefarm.cli.console;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.util.FileSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The one place where the cli configures logging (logback), in two ways:
 *
 * <ul>
 *   <li><b>At start</b> (logback finds this class as its {@link Configurator} service, before any option is
 *       parsed): log lines go to standard error, libraries from WARN, our code ({@value #OUR_CODE}) from INFO,
 *       the Kafka client ({@link #KAFKA_CLIENT}) not at all unless {@link #showKafkaClient} (the command's
 *       {@code --debug}, and the broker process of {@code kafka start}, whose log they are part of): a cluster
 *       that refuses or does not answer is said by the command's own sentence, not by a line per connection
 *       attempt. This is what the short commands ({@code plan}, {@code status}, {@code verify},
 *       {@code zvm ...}, ...) keep: they write no file.</li>
 *   <li><b>A long-running command</b> ({@code demo}, {@code up}, {@code worker}, {@code coordinator}) calls
 *       {@link #toFile} once its data directory is known: the same lines go to
 *       {@code DATA/logs/clonefarm-NAME.log} (rotated at {@value #MAX_FILE_SIZE}, {@value #KEPT_FILES} old files
 *       kept as {@code clonefarm-NAME.1.log}, ...), and the terminal shows only WARN and ERROR of our code, as one
 *       sentence each on its {@link Console}; with {@code --verbose} every line of the file as well.</li>
 * </ul>
 *
 * <p>Libraries (Kafka, Vert.x, RocksDB) never reach the terminal of a long-running command except with
 * {@code --verbose}. Reconfiguring replaces the whole configuration of the process; a line logged by another
 * thread in that instant may be lost. Not meant to be called concurrently.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class ProcessLogging extends ContextAwareBase implements Configurator {
    /** The loggers of our own code, whose warnings and errors a person sees. */
    public static final String OUR_CODE = "org.clonefarm";
    /** The Kafka client's loggers (its network and security layers included), kept off the terminal of short commands. */
    public static final List<String> KAFKA_CLIENT = List.of("org.apache.kafka.clients", "org.apache.kafka.common");
    /** The directory under the data directory that holds the log files. */
    public static final String LOGS_DIRECTORY = "logs";
    static final String MAX_FILE_SIZE = "10MB";
    static final int KEPT_FILES = 3;
    private static final String TERMINAL_PATTERN = "%d{HH:mm:ss.SSS} %level %logger{0} - %msg%n";
    private static final String FILE_PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n";

    /** For logback's service loader; the configuration at start. */
    public ProcessLogging() {
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        configureForShortCommands(context);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * Sends the log of this process to {@code DATA/logs/clonefarm-NAME.log} until the returned log is closed,
     * and shows a person on {@code console} only our warnings and errors (every line with {@code verbose}).
     *
     * @param name the file's part after {@code clonefarm-}: the command, or the command and an id where several
     *        processes of one command may share a data directory ({@code worker-ID})
     * @throws IOException when the logs directory cannot be created
     */
    public static ProcessLog toFile(Path dataDirectory, String name, boolean verbose, Console console) throws IOException {
        Path directory = Files.createDirectories(dataDirectory.resolve(LOGS_DIRECTORY));
        Path file = directory.resolve("clonefarm-" + name + ".log");
        LoggerContext context = context();
        context.reset();

        RollingFileAppender<ILoggingEvent> fileAppender = new RollingFileAppender<>();
        fileAppender.setContext(context);
        fileAppender.setName("file");
        fileAppender.setFile(file.toString());
        fileAppender.setAppend(true);
        fileAppender.setEncoder(encoder(context, FILE_PATTERN));
        FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
        rolling.setContext(context);
        rolling.setParent(fileAppender);
        rolling.setFileNamePattern(directory.resolve("clonefarm-" + name + ".%i.log").toString());
        rolling.setMinIndex(1);
        rolling.setMaxIndex(KEPT_FILES);
        rolling.start();
        SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
        trigger.setContext(context);
        trigger.setMaxFileSize(FileSize.valueOf(MAX_FILE_SIZE));
        // the size is looked at for every line (one stat; logback's default is once a minute, by which time a
        // chatty failure can have written far past the limit)
        trigger.setCheckIncrement(ch.qos.logback.core.util.Duration.buildByMilliseconds(0));
        trigger.start();
        fileAppender.setRollingPolicy(rolling);
        fileAppender.setTriggeringPolicy(trigger);
        fileAppender.start();

        TerminalAppender terminal = new TerminalAppender(console, verbose ? layout(context, FILE_PATTERN) : null);
        terminal.setContext(context);
        terminal.setName("terminal");
        terminal.start();

        Logger root = levels(context);
        root.addAppender(fileAppender);
        root.addAppender(terminal);
        LoggerFactory.getLogger(ProcessLogging.class).info("clonefarm {} started (pid {})", name, ProcessHandle.current().pid());
        return new ProcessLog(file);
    }

    /**
     * The log file of a long-running command; {@link #close()} puts back the configuration at start (for a
     * command run in-process, as the tests do).
     */
    public static final class ProcessLog implements AutoCloseable {
        private final Path file;

        private ProcessLog(Path file) {
            this.file = file;
        }

        /** Where the lines go. */
        public Path file() {
            return file;
        }

        @Override
        public void close() {
            LoggerContext context = context();
            context.reset();
            configureForShortCommands(context);
        }
    }

    /**
     * Lets the Kafka client's warnings and errors reach standard error in a short command (its {@code --debug};
     * a broker node, whose inter-broker and quorum connections are the client's), until logging is configured
     * again.
     */
    public static void showKafkaClient() {
        KAFKA_CLIENT.forEach(name -> context().getLogger(name).setLevel(Level.WARN));
    }

    private static void configureForShortCommands(LoggerContext context) {
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("stderr");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder(context, TERMINAL_PATTERN));
        stderr.start();
        levels(context).addAppender(stderr);
        KAFKA_CLIENT.forEach(name -> context.getLogger(name).setLevel(Level.OFF));
    }

    private static Logger levels(LoggerContext context) {
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        context.getLogger(OUR_CODE).setLevel(Level.INFO);
        return root;
    }

    private static LoggerContext context() {
        return (LoggerContext) LoggerFactory.getILoggerFactory();
    }

    private static PatternLayoutEncoder encoder(LoggerContext context, String pattern) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        return encoder;
    }

    private static PatternLayout layout(LoggerContext context, String pattern) {
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.setPattern(pattern);
        layout.start();
        return layout;
    }

    /**
     * The terminal's share of the log: with a layout (verbose) every line as in the file; without, our warnings
     * and errors as one sentence each, no stack trace.
     */
    private static final class TerminalAppender extends AppenderBase<ILoggingEvent> {
        private final Console console;
        private final PatternLayout verbose;

        TerminalAppender(Console console, PatternLayout verbose) {
            this.console = console;
            this.verbose = verbose;
        }

        @Override
        protected void append(ILoggingEvent event) {
            if (verbose != null) {
                console.logLine(verbose.doLayout(event));
            } else if (event.getLevel().isGreaterOrEqual(Level.WARN)
                    && (event.getLoggerName().equals(OUR_CODE) || event.getLoggerName().startsWith(OUR_CODE + "."))) {
                console.problem(event.getLevel().isGreaterOrEqual(Level.ERROR), event.getFormattedMessage());
            }
        }
    }
}
