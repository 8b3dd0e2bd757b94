package org.clonefarm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code clonefarm zvm}: the z/VM model: the CP directory, volumes and minidisks of the local simulation. */
@Command(
        name = "zvm",
        mixinStandardHelpOptions = true,
        description = "The z/VM side: check a CP directory (USER DIRECT), add and list the volumes of a local "
                + "simulation with their free space, locate a minidisk's bytes, and run vmcp, chccwdev and "
                + "cio_ignore against the simulated CP and channel subsystem.",
        subcommands = {ZvmAddVolumeCommand.class, ZvmDirectoryCommand.class, ZvmLocateCommand.class, ZvmVolumesCommand.class,
                ZvmVmcpCommand.class, ZvmChccwdevCommand.class, ZvmCioIgnoreCommand.class})
public final class ZvmCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
