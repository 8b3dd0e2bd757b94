package org.clonefarm.deploy;

import java.util.List;
import org.clonefarm.cli.ClonefarmCommand;
import picocli.CommandLine;

/** The clonefarm command line as the shipped jar parses it (picocli's model of the real commands). */
final class ClonefarmCommands {
    private ClonefarmCommands() {
    }

    /**
     * Parses a command line of the deployment files without running it.
     *
     * @return the name of the subcommand
     * @throws CommandLine.ParameterException naming an option the command does not have or a bad value
     */
    static String parse(List<String> arguments) {
        CommandLine commandLine = new CommandLine(new ClonefarmCommand());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        CommandLine.ParseResult result = commandLine.parseArgs(arguments.toArray(String[]::new));
        if (!result.hasSubcommand()) {
            return "";
        }
        return result.subcommand().commandSpec().name();
    }

    /**
     * The default value of an option of a subcommand, as {@code --help} shows it.
     *
     * @throws AssertionError when the subcommand or the option does not exist
     */
    static String optionDefault(String subcommand, String option) {
        CommandLine sub = new CommandLine(new ClonefarmCommand()).getSubcommands().get(subcommand);
        if (sub == null) {
            throw new AssertionError("clonefarm has no subcommand " + subcommand);
        }
        CommandLine.Model.OptionSpec spec = sub.getCommandSpec().findOption(option);
        if (spec == null) {
            throw new AssertionError("clonefarm " + subcommand + " has no option " + option);
        }
        return spec.defaultValue();
    }
}
