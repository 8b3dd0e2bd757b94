package org.clonefarm.cli;

import org.clonefarm.cli.console.ProcessLogging;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The root {@code clonefarm} command. Every subcommand is registered here, one line each.
 */
@Command(
        name = "clonefarm",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Mass-clones Linux guests on IBM z/VM: plan, copy, start and finalize hundreds of clones",
            "from a master guest, with every step an event on Kafka."
        },
        subcommands = {
            // one line per subcommand, kept in alphabetical order
            AgentCommand.class,
            CancelCommand.class,
            CmsCommand.class,
            CoordinatorCommand.class,
            CopyCommand.class,
            DemoCommand.class,
            KafkaCommand.class,
            MasterCommand.class,
            PlanCommand.class,
            RefreshCommand.class,
            RetryCommand.class,
            StatusCommand.class,
            SubmitCommand.class,
            UpCommand.class,
            VerifyCommand.class,
            WatchCommand.class,
            WorkerCommand.class,
            ZvmCommand.class,
        })
public final class ClonefarmCommand implements Runnable {

    private boolean debug;

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Print stack traces of errors and the Kafka client's warnings (for bug reports).")
    void debug(boolean value) {
        debug = value;
        if (value) {
            ProcessLogging.showKafkaClient();
        }
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    boolean debug() {
        return debug;
    }
}
