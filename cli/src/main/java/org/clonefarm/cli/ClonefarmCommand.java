package org.clonefarm.cli;

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

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Print stack traces of errors (for bug reports).")
    boolean debug;

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
