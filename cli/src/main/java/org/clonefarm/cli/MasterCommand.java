package org.clonefarm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.clonefarm.cli.simulation.BootableMaster;
import org.clonefarm.cli.simulation.DemoMaster;
import org.clonefarm.cli.simulation.GuestRuntimeException;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.platform.simulation.SimulationException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clonefarm master ...}: masters, the guests clones are made from: the demo master, preparation. */
@Command(name = "master", mixinStandardHelpOptions = true,
        description = "Masters, the guests clones are made from: the local simulation's demo master, and the paper's"
                + " preparation of a master for RW-root or RO-root clones.",
        subcommands = {MasterCommand.CreateDemo.class, MasterPrepareCommand.class})
public final class MasterCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The most data the skeleton master's root takes, 16 GiB: a clone of it still fits each pool volume (a 3390-27). */
    static final long MAX_DATA_MIB = 16_384;

    /**
     * Refuses a {@code --master-data-mib} out of range, or given with the bootable master (whose root is a Debian system
     * sized for it; data is for the copy-dominated benchmark, which runs loop-mount guests).
     */
    static void checkDataMib(long dataMib, boolean bootable) {
        if (dataMib < 0 || dataMib > MAX_DATA_MIB) {
            throw UserError.usage("--master-data-mib " + dataMib + " must be 0-" + MAX_DATA_MIB + ".");
        }
        if (dataMib > 0 && bootable) {
            throw UserError.usage("--master-data-mib is for the skeleton master; the bootable one (--bootable) holds no data.");
        }
    }

    @Command(name = "create-demo", mixinStandardHelpOptions = true,
            description = {
                "Create the demo master in a local simulation.",
                "",
                "Makes master " + DemoMaster.MASTER + " on volume " + DemoMaster.MASTER_VOLUME + ": 0191 CMS with a PROFILE EXEC"
                        + " that IPLs 0200 (the coordinator writes " + CloneLayout.NAMES_FILE_TEXT + " there), 0200 root, 0202 /var and 0203 /usr"
                        + " as real ext4 file systems (a SLES 15 skeleton with the guest agent, its units, its configuration"
                        + " and the finalize marker), 0201 swap as a V-DISK; the prototypes " + DemoMaster.PROTOTYPE
                        + " (rw-root) and " + DemoMaster.PROTOTYPE_RO + " (ro-root); and the allocation group "
                        + DemoMaster.GROUP + " on volumes " + DemoMaster.POOL_VOLUME_1 + " and " + DemoMaster.POOL_VOLUME_2
                        + " (room for 375 rw-root clones). Volume images are sparse. Running it again leaves an unchanged"
                        + " demo master as it is. Needs root (mke2fs) and e2fsprogs 1.43 or later.",
                "",
                "--bootable makes a real Debian 12 system instead (kernel, systemd, ifupdown, Java 17, the agent), built with"
                        + " mmdebstrap from this machine's apt sources and cached in ~/.cache/clonefarm (minutes the first time,"
                        + " seconds later), on a 3390-03; its clones boot under QEMU ('demo --guests qemu', docs/guests.md).",
                "",
                "--master-data-mib N puts N MiB of incompressible data into the skeleton's root (files under /"
                        + DemoMaster.DATA_DIRECTORY + "), so that cloning is dominated by copying: the root grows to fit, the"
                        + " volume becomes the smallest 3390 model that holds it, and fewer clones fit the pool (the output says"
                        + " how many)."
            })
    static final class CreateDemo implements Callable<Integer> {
        @Mixin
        DataDirectoryOption data;

        @Option(names = "--force",
                description = "Replace a master " + DemoMaster.MASTER + " that differs from the demo master (its entries and disks;"
                        + " pool volumes and other users stay).")
        boolean force;

        @Option(names = "--agent-jar", paramLabel = "FILE",
                description = "The guest agent jar to install in the master's root (default: clonefarm-agent.jar next to this"
                        + " program, or guest-agent/target/clonefarm-agent.jar of the source tree).")
        Path agentJar;

        @Option(names = "--bootable",
                description = "A bootable Debian 12 master (mmdebstrap; cached) whose clones boot under QEMU, instead of the"
                        + " file skeleton the loop-mount guests need.")
        boolean bootable;

        @Option(names = "--master-data-mib", paramLabel = "N", defaultValue = "0",
                description = "MiB of incompressible data in the skeleton master's root, under /" + DemoMaster.DATA_DIRECTORY
                        + ", 0-" + MAX_DATA_MIB + " (default: ${DEFAULT-VALUE}, the plain skeleton).")
        long dataMib;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            checkDataMib(dataMib, bootable);
            Path dir = data.writable();
            Path jar = DemoMaster.locateAgentJar(agentJar).orElseThrow(() -> new UserError("the guest agent jar"
                    + " clonefarm-agent.jar was not found; build it with './mvnw -B -q package -DskipTests -pl guest-agent -am'"
                    + " or give --agent-jar FILE."));
            DemoMaster.Result result;
            PrintWriter out = spec.commandLine().getOut();
            try {
                BootableMaster system = bootable ? new BootableMaster(BootableMaster.defaultCacheDirectory(), line -> {
                    out.println(line);
                    out.flush();
                }) : null;
                result = new DemoMaster(SimulationDataDirectory.at(dir), jar, system, dataMib).create(force);
            } catch (DemoMaster.DemoMasterException e) {
                throw new UserError(e.getMessage() + ".", e);
            } catch (GuestRuntimeException | SimulationException e) {
                throw new UserError("cannot create the demo master in " + dir + ": " + e.getMessage(), e);
            } catch (IOException e) {
                throw new UserError("cannot create the demo master in " + dir + ": " + e + ". Check the disk space and"
                        + " permissions there.", e);
            }
            out.println((result.alreadyThere() ? "the demo master is already there, unchanged: " : "created the "
                    + (bootable ? "bootable " : "") + "demo master: ")
                    + DemoMaster.MASTER + " (0191 CMS, 0200 root, 0201 V-DISK swap, 0202 /var, 0203 /usr on "
                    + DemoMaster.MASTER_VOLUME + "), prototypes " + DemoMaster.PROTOTYPE + " and " + DemoMaster.PROTOTYPE_RO
                    + ", group " + DemoMaster.GROUP + " in " + dir);
            DemoMaster.Layout layout = result.manifest().layout();
            if (layout.dataMib() > 0) {
                out.println("its root 0200 holds " + layout.dataMib() + " MiB of data in /" + DemoMaster.DATA_DIRECTORY + ": "
                        + layout.disk(org.clonefarm.platform.layout.CloneLayout.Role.ROOT).cylinders() + " cylinders, volume "
                        + DemoMaster.MASTER_VOLUME + " a " + layout.volumeModel().label() + "; the pool holds "
                        + layout.rwClonesThatFit() + " rw-root clones of it");
            }
            out.flush();
            return 0;
        }
    }
}
