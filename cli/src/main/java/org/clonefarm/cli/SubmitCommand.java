package org.clonefarm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.clonefarm.cli.console.Invocation;
import org.clonefarm.coordinator.commands.BatchCommands;
import org.clonefarm.coordinator.commands.BatchCommands.BatchCommandException;
import org.clonefarm.coordinator.dirmaint.DirMaintCommand;
import org.clonefarm.coordinator.dirmaint.DirMaintException;
import org.clonefarm.coordinator.dirmaint.DirMaintSubmit;
import org.clonefarm.coordinator.dirmaint.ExternalDirMaint;
import org.clonefarm.coordinator.publish.NamesTarget;
import org.clonefarm.platform.allocation.ExtentControlException;
import org.clonefarm.platform.directory.DirectoryException;
import org.clonefarm.platform.io.BoundedFiles;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.names.NamesFormatException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clonefarm submit SPEC}: applies a spec: directory, NAMES file, one clone request per clone. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {
            "Submit a clone spec: write the clones' directory entries and their NAMES entries on the master's 191 "
                    + "disk, then publish one clone request per clone. Submitting the same spec again changes nothing; "
                    + "a changed spec under an existing batch name is refused.",
            "",
            "With --directory-manager local (the default) the directory is the local simulation's USER.DIRECT under "
                    + "--data, changed under the directory lock.",
            "",
            "With --directory-manager dirmaint the spec is planned against --directory, a USER DIRECT extract of the "
                    + "z/VM system, and --extent-control, and the entries are made with DirMaint commands (ADD LIKE the "
                    + "prototype, AMDISK with the exact planned extents, V-DISKs, LINKs). By default they are printed as a "
                    + "REXX EXEC to run on z/VM, and nothing is published: run the same submit with --dirmaint-applied "
                    + "afterwards. With --dirmaint-command they are run one by one and the batch is published at the end. "
                    + "A failed command stops the submit; running it again continues after the commands already applied "
                    + "(recorded in <data>/dirmaint/<batch>.dirmaint-journal)."
        })
public final class SubmitCommand implements Callable<Integer> {
    private static final String LOCAL = "local";
    private static final String DIRMAINT = "dirmaint";

    @Spec
    CommandSpec command;

    @Parameters(index = "0", paramLabel = "SPEC", description = "The clone spec (YAML).")
    Path spec;

    @Mixin
    DataDirectoryOption data;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--directory-manager", paramLabel = "local|dirmaint", defaultValue = LOCAL,
            description = "Who makes the directory entries: 'local' (the local simulation under --data, default) or"
                    + " 'dirmaint' (DirMaint commands for z/VM).")
    String directoryManager;

    @Option(names = "--directory", paramLabel = "FILE",
            description = "dirmaint: the USER DIRECT extract to plan against; it must hold the master and the prototype.")
    Path directory;

    @Option(names = "--extent-control", paramLabel = "FILE",
            description = "dirmaint: DirMaint's EXTENT CONTROL with the regions and groups the spec's volumes name"
                    + " (default: EXTENT.CONTROL beside --directory).")
    Path extentControl;

    @Option(names = "--dirmaint-command", paramLabel = "'CMD [ARG...]'",
            description = "dirmaint: run each DirMaint command as CMD ARG... DIRM FOR ... (the command's words appended)"
                    + " instead of printing them; exit code 0 means applied. Split at blanks, no shell quoting.")
    String dirmaintCommand;

    @Option(names = "--dirmaint-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "dirmaint: how long one run of --dirmaint-command may take before it is killed (default: 300).")
    long dirmaintTimeoutSeconds;

    @Option(names = "--dirmaint-applied",
            description = "dirmaint: the printed EXEC was run on z/VM without errors; record it, write the NAMES"
                    + " file and publish the batch.")
    boolean dirmaintApplied;

    @Option(names = "--names-disk", paramLabel = "PATH[:OFFSET[:LENGTH]]",
            description = "dirmaint: write the NAMES file (" + CloneLayout.NAMES_FILE_TEXT + ") on this CMS disk: the master's 191 linked"
                    + " read/write (its block device, e.g. /dev/disk/by-path/ccw-0.0.0191) or an image region.")
    String namesDisk;

    @Option(names = "--names-file", paramLabel = "FILE",
            description = "dirmaint: write the NAMES records to this text file instead, to copy onto the master's 191.")
    Path namesFile;

    @Override
    public Integer call() {
        String yaml = SpecFile.read(spec);
        String manager = directoryManager.toLowerCase(Locale.ROOT);
        if (manager.equals(LOCAL)) {
            refuseDirMaintOptions();
            return submitLocal(yaml);
        }
        if (!manager.equals(DIRMAINT)) {
            throw UserError.usage("--directory-manager '" + directoryManager + "' is not known; give 'local' (the local"
                    + " simulation) or 'dirmaint' (DirMaint commands for z/VM)");
        }
        return submitDirMaint(yaml);
    }

    private int submitLocal(String yaml) {
        try (OperatorSession session = new OperatorSession(kafka, data.writable(), "submit")) {
            BatchCommands.Submitted submitted;
            try {
                submitted = session.commands().submit(yaml).join();
            } catch (RuntimeException e) {
                throw SpecFile.unwrap(e, spec.toString());
            }
            if (submitted.alreadySubmitted()) {
                System.out.println(submittedBefore(submitted));
            } else {
                System.out.println("submitted batch " + submitted.batchId() + ": " + submitted.clones() + " clones, "
                        + Sizes.bytes(submitted.bytesToCopy()) + " to copy. Follow it with: "
                        + Invocation.command("watch " + submitted.batchId() + " --data " + data.path()));
            }
            return 0;
        }
    }

    private void refuseDirMaintOptions() {
        if (directory != null || extentControl != null || dirmaintCommand != null || dirmaintApplied || namesDisk != null
                || namesFile != null) {
            throw UserError.usage("--directory, --extent-control, --dirmaint-command, --dirmaint-applied, --names-disk and"
                    + " --names-file belong to --directory-manager dirmaint; add it, or leave them out for the local simulation");
        }
    }

    private int submitDirMaint(String yaml) {
        if (directory == null) {
            throw UserError.usage("--directory-manager dirmaint needs --directory FILE, a USER DIRECT extract of the z/VM"
                    + " system with the master and the prototype");
        }
        requireFile(directory, "--directory", "a USER DIRECT extract of the z/VM system");
        Path control = extentControl != null ? extentControl
                : directory.toAbsolutePath().getParent().resolve("EXTENT.CONTROL");
        requireFile(control, extentControl != null ? "--extent-control" : "EXTENT.CONTROL beside --directory (or"
                + " --extent-control)", "DirMaint's EXTENT CONTROL file");
        if (dirmaintCommand != null && dirmaintApplied) {
            throw UserError.usage("--dirmaint-command and --dirmaint-applied exclude each other: either clonefarm runs the"
                    + " commands, or you ran the printed EXEC");
        }
        if (namesDisk != null && namesFile != null) {
            throw UserError.usage("give --names-disk or --names-file, not both");
        }
        if (dirmaintTimeoutSeconds < 1) {
            throw UserError.usage("--dirmaint-timeout must be at least 1 second, got " + dirmaintTimeoutSeconds);
        }
        ExternalDirMaint runner = null;
        if (dirmaintCommand != null) {
            try {
                runner = ExternalDirMaint.of(dirmaintCommand, Duration.ofSeconds(dirmaintTimeoutSeconds));
            } catch (IllegalArgumentException e) {
                throw UserError.usage("--dirmaint-command: " + e.getMessage());
            }
        }
        boolean applying = runner != null || dirmaintApplied;
        NamesTarget names = namesTarget(applying);
        DirMaintSubmit submit = new DirMaintSubmit(directory, control, data.writable().resolve("dirmaint"), Clock.systemUTC());
        PrintWriter err = command.commandLine().getErr();
        DirMaintSubmit.Outcome outcome;
        try {
            if (!applying) {
                outcome = submit.print(yaml, null);
                System.out.print(outcome.exec());
                System.out.flush();
                err.println("Printed " + (outcome.commands() - outcome.skipped()) + " DirMaint commands for batch "
                        + outcome.submitted().batchId() + " (" + outcome.submitted().clones() + " clones); nothing was"
                        + " applied or published. Run them on z/VM, then: " + Invocation.command("submit " + spec
                        + " --directory-manager dirmaint --directory " + directory + " --dirmaint-applied --names-disk"
                        + " PATH") + " (or --names-file FILE). Plan kept in " + outcome.journal());
                err.flush();
                return 0;
            }
            try (OperatorSession session = new OperatorSession(kafka, data.writable(), "submit")) {
                if (runner != null) {
                    outcome = submit.run(yaml, session::state, runner, names, session.batchPublisher(), progress());
                } else {
                    outcome = submit.applied(yaml, session::state, names, session.batchPublisher());
                }
            }
        } catch (DirMaintException e) {
            throw new UserError(e.getMessage(), e);
        } catch (BatchCommandException e) {
            throw new UserError(spec + ": " + e.getMessage(), e);
        } catch (DirectoryException e) {
            throw new UserError(e.getMessage() + ". Fix that line of the directory extract, or extract it again.", e);
        } catch (ExtentControlException e) {
            throw new UserError(e.getMessage() + ". Fix that line of the EXTENT CONTROL file.", e);
        } catch (NamesFormatException e) {
            throw new UserError("the NAMES file " + namesFile + " does not parse: " + e.getMessage()
                    + ". Fix it or give another --names-file.", e);
        } catch (IllegalArgumentException e) {
            throw new UserError("the batch cannot be made with DirMaint commands: " + e.getMessage(), e);
        } catch (BoundedFiles.FileTooLargeException | BoundedFiles.NotUtf8Exception e) {
            throw new UserError(e.getMessage() + "; give the directory extract, EXTENT CONTROL and NAMES file of the"
                    + " system.", e);
        } catch (IOException e) {
            throw new UserError("submit of " + spec + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted; running the same submit again continues where it stopped", e);
        }
        if (outcome.submitted().alreadySubmitted()) {
            System.out.println(submittedBefore(outcome.submitted()));
            return 0;
        }
        System.out.println("DirMaint: " + outcome.ran() + " commands run now, " + outcome.skipped()
                + " applied before (journal " + outcome.journal() + ")");
        System.out.println("NAMES entries written to " + outcome.namesWritten());
        System.out.println("submitted batch " + outcome.submitted().batchId() + ": " + outcome.submitted().clones()
                + " clones, " + Sizes.bytes(outcome.submitted().bytesToCopy()) + " to copy. Follow it with: "
                + Invocation.command("watch " + outcome.submitted().batchId() + (kafka.clusterGiven() ? "" : " --data " + data.path())));
        return 0;
    }

    private DirMaintSubmit.Progress progress() {
        return new DirMaintSubmit.Progress() {
            @Override
            public void running(int number, int total, DirMaintCommand dirm) {
                System.out.print("[" + number + "/" + total + "] " + dirm.text() + " ... ");
                System.out.flush();
            }

            @Override
            public void applied(int number, int total, DirMaintCommand dirm, String stdout) {
                System.out.println("ok");
            }
        };
    }

    private NamesTarget namesTarget(boolean applying) {
        if (namesDisk != null) {
            FileRegion region;
            try {
                region = FileRegion.parse(namesDisk);
            } catch (IllegalArgumentException e) {
                throw UserError.usage("--names-disk " + namesDisk + ": " + e.getMessage());
            }
            if (!Files.exists(region.path())) {
                throw UserError.usage("--names-disk " + region.path() + " does not exist; give the master's 191 disk"
                        + " (linked read/write) or its image");
            }
            return new NamesTarget.CmsDisk(region, CloneLayout.NAMES_FILE);
        }
        if (namesFile != null) {
            return new NamesTarget.TextFile(namesFile.toAbsolutePath());
        }
        if (applying) {
            throw UserError.usage("say where the clones' NAMES file goes: --names-disk PATH (the master's 191 linked"
                    + " read/write) or --names-file FILE (to copy there yourself)");
        }
        return null;
    }

    private static void requireFile(Path file, String option, String what) {
        if (!Files.isRegularFile(file)) {
            throw UserError.usage(option + " " + file + " does not exist or is not a file; give " + what);
        }
        if (!Files.isReadable(file)) {
            throw UserError.usage(option + " " + file + " cannot be read; give " + what + " you can read");
        }
    }

    private static String submittedBefore(BatchCommands.Submitted submitted) {
        return "batch " + submitted.batchId() + " was submitted before with this spec; " + (submitted.requestsResent() == 0
                ? "nothing changed (" + submitted.clones() + " clones)"
                : "sent the requests of " + submitted.requestsResent() + " of its " + submitted.clones() + " clones, which"
                        + " the earlier submit had not sent (it was interrupted)");
    }
}
