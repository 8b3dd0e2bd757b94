package org.clonefarm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code clonefarm zvm directory}: work on a CP directory source file. */
@Command(
        name = "directory",
        mixinStandardHelpOptions = true,
        description = "Work on a CP directory source file (USER DIRECT).",
        subcommands = {ZvmDirectoryCheckCommand.class})
public final class ZvmDirectoryCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
