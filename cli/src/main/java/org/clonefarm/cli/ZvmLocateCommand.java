package org.clonefarm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.clonefarm.platform.allocation.ExtentControlException;
import org.clonefarm.platform.directory.DirectoryException;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.platform.simulation.SimulationException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clonefarm zvm locate USERID VADDR --data DIR}: where a minidisk's bytes are in the local simulation. */
@Command(
        name = "locate",
        mixinStandardHelpOptions = true,
        description = {
            "Print where a minidisk's bytes are in a local simulation.",
            "",
            "Prints one line 'PATH OFFSET LENGTH' (bytes): the volume image, the byte offset of the extent and its "
                    + "length (737,280 bytes per 3390 cylinder, 512 per FB-512 block). 'PATH:OFFSET:LENGTH' of the same "
                    + "numbers is the file region the copy commands take."
        })
public final class ZvmLocateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "USERID", description = "The minidisk's owner (1-8 characters of A-Z 0-9 @ # $).")
    String userid;

    @Parameters(index = "1", paramLabel = "VADDR", description = "The minidisk's virtual address (1-4 hex digits), e.g. 0200.")
    String vaddr;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "The local simulation data directory (volumes/, directory/USER.DIRECT, directory/EXTENT.CONTROL).")
    Path data;

    @Override
    public Integer call() {
        if (!Userid.isValid(userid.toUpperCase(java.util.Locale.ROOT))) {
            throw UserError.usage("'" + userid + "' is not a userid: use 1-8 characters of A-Z 0-9 @ # $.");
        }
        if (!Vaddr.isValid(vaddr)) {
            throw UserError.usage("'" + vaddr + "' is not a virtual device address: use 1-4 hex digits such as 0200.");
        }
        if (!Files.isDirectory(data)) {
            throw new UserError("data directory " + data + " does not exist; give the --data of a local simulation.");
        }
        FileRegion region;
        try {
            region = SimulationDataDirectory.at(data).resolve(Userid.of(userid), Vaddr.of(vaddr));
        } catch (SimulationException e) {
            throw new UserError(e.getMessage() + ".", e);
        } catch (IOException | DirectoryException | ExtentControlException e) {
            throw new UserError("cannot read the CP directory of " + data + ": " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(region.path() + " " + region.offset() + " " + region.length());
        out.flush();
        return 0;
    }
}
