package org.clonefarm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.clonefarm.platform.allocation.ExtentControlException;
import org.clonefarm.platform.directory.DirectoryException;
import org.clonefarm.platform.directory.DirectoryProblem;
import org.clonefarm.platform.directory.DirectoryValidator;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.io.BoundedFiles;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.platform.volume.Volume;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clonefarm zvm directory check FILE}: parse and validate a whole directory. */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = {
            "Parse a CP directory (USER DIRECT) and validate it as a whole.",
            "",
            "Finds duplicate userids, duplicate vaddrs in one entry, overlapping minidisk extents, LINKs to a missing "
                    + "owner or minidisk, INCLUDEs of missing profiles, MDISKs in profiles and AUTOG sizes left in. Prints "
                    + "each problem with its line; exits 0 when the directory is valid, 1 when it has problems."
        })
public final class ZvmDirectoryCheckCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The directory file, e.g. <data>/directory/USER.DIRECT.")
    Path file;

    @Option(names = "--data", paramLabel = "DIR",
            description = "A local simulation data directory: also check extents against the volume sizes in its EXTENT.CONTROL.")
    Path data;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        UserDirectory directory;
        try {
            directory = UserDirectory.read(file);
        } catch (NoSuchFileException e) {
            throw new UserError("directory file " + file + " does not exist; give the path of a USER DIRECT file.");
        } catch (BoundedFiles.FileTooLargeException | BoundedFiles.NotUtf8Exception e) {
            throw new UserError(e.getMessage() + "; give the path of a USER DIRECT file.", e);
        } catch (IOException e) {
            throw new UserError("cannot read directory file " + file + ": " + e.getMessage(), e);
        } catch (DirectoryException e) {
            throw new UserError(e.getMessage() + ". Fix that line and check again.", e);
        }
        Map<Volser, Volume> volumes = Map.of();
        if (data != null) {
            if (!Files.isDirectory(data)) {
                throw new UserError("data directory " + data + " does not exist; give the --data of a local simulation.");
            }
            try {
                volumes = SimulationDataDirectory.at(data).volumes();
            } catch (IOException | ExtentControlException e) {
                throw new UserError("cannot read the volumes of " + data + ": " + e.getMessage(), e);
            }
        }
        List<DirectoryProblem> problems = new DirectoryValidator(volumes).validate(directory);
        long minidisks = directory.entries().stream().mapToLong(e -> e.minidisks().size()).sum();
        for (DirectoryProblem problem : problems) {
            out.println(file + (problem.line() > 0 ? " line " + problem.line() : "") + ": " + problem.kind() + ": " + problem.message());
        }
        out.flush();
        if (!problems.isEmpty()) {
            throw new UserError(file + " has " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s")
                    + " (listed above); fix them before CP or DirMaint reads it.");
        }
        out.println(file + ": " + directory.size() + " entries, " + minidisks + " minidisks, valid");
        out.flush();
        return 0;
    }
}
