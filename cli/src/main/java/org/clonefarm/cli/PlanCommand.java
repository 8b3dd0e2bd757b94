package org.clonefarm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.clonefarm.cli.console.Invocation;
import org.clonefarm.coordinator.commands.BatchCommands.BatchCommandException;
import org.clonefarm.coordinator.simulation.SimulationPlanner;
import org.clonefarm.coordinator.plan.BatchPlan;
import org.clonefarm.coordinator.plan.DirectoryPlanner;
import org.clonefarm.coordinator.spec.SpecParser;
import org.clonefarm.platform.allocation.ExtentControl;
import org.clonefarm.platform.allocation.ExtentControlException;
import org.clonefarm.platform.directory.DirectoryException;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.MdiskStatement;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.io.BoundedFiles;
import org.clonefarm.platform.names.NamesFile;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code clonefarm plan SPEC}: checks a spec against the local directory and shows what submit would do. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {
            "Check a clone spec and show what submitting it would do, changing nothing: every problem at once",
            "(with its place and line in the spec), or the directory entries, allocations per volume, NAMES",
            "entries, bytes to copy and an estimate of the copy time."
        })
public final class PlanCommand implements Callable<Integer> {
    /** Copy rate assumed before a worker here has measured one (bench/copy on this machine's class). */
    static final double ASSUMED_MIB_PER_SECOND = 400;

    @Parameters(index = "0", paramLabel = "SPEC", description = "The clone spec (YAML).")
    Path spec;

    @Mixin
    DataDirectoryOption data;

    @Option(names = "--json", description = "Print the plan as one JSON object.")
    boolean json;

    @Option(names = "--directory", paramLabel = "FILE",
            description = "Plan against this USER DIRECT file (e.g. an extract of a z/VM system) instead of the local"
                    + " simulation under --data.")
    Path directory;

    @Option(names = "--extent-control", paramLabel = "FILE",
            description = "With --directory: DirMaint's EXTENT CONTROL file (default: EXTENT.CONTROL beside --directory).")
    Path extentControl;

    @Override
    public Integer call() throws Exception {
        String yaml = SpecFile.read(spec);
        BatchPlan plan;
        try {
            plan = directory != null ? planAgainstFiles(yaml) : planLocal(yaml);
        } catch (BatchCommandException e) {
            throw new UserError(spec + ": " + e.getMessage(), e);
        }
        double rate = CopyRate.measured(data.path()).orElse(ASSUMED_MIB_PER_SECOND);
        Duration estimate = Duration.ofSeconds((long) Math.ceil(plan.bytesToCopy() / (rate * 1024 * 1024)));
        Map<String, long[]> perVolume = new TreeMap<>();
        for (DirectoryEntry entry : plan.entries()) {
            for (MdiskStatement mdisk : entry.minidisks()) {
                mdisk.extent().ifPresent(extent -> {
                    long[] sum = perVolume.computeIfAbsent(extent.volser().value(), v -> new long[2]);
                    sum[0]++;
                    sum[1] += extent.size();
                });
            }
        }
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode out = mapper.createObjectNode();
            out.put("batch", plan.batchId());
            out.put("clones", plan.clones());
            out.put("bytes_to_copy", plan.bytesToCopy());
            out.put("estimate_s", estimate.toSeconds());
            out.put("mib_per_s_assumed", rate);
            ObjectNode volumes = out.putObject("allocations");
            perVolume.forEach((volser, sum) -> volumes.putObject(volser).put("minidisks", sum[0]).put("units", sum[1]));
            ArrayNode clones = out.putArray("entries");
            for (int i = 0; i < plan.clones(); i++) {
                ObjectNode clone = clones.addObject();
                clone.put("userid", plan.requests().get(i).getUserid());
                clone.put("hostname", plan.requests().get(i).getSettings().getHostname());
                clone.put("ipaddr", plan.requests().get(i).getSettings().getIpaddr());
                clone.put("directory", print(plan.entries().get(i)));
            }
            System.out.println(mapper.writeValueAsString(out));
            return 0;
        }
        System.out.println("Batch " + plan.batchId() + ": " + plan.clones() + " clones, "
                + Sizes.bytes(plan.bytesToCopy()) + " to copy, about " + Sizes.duration(estimate) + " at "
                + String.format("%.0f", rate) + " MiB/s" + (CopyRate.measured(data.path()).isPresent() ? " (measured here)"
                : " (assumed; no copy measured here yet)"));
        System.out.println();
        System.out.println("Directory entry of " + plan.requests().get(0).getUserid() + " (the others alike):");
        System.out.print(print(plan.entries().get(0)));
        System.out.println();
        System.out.println("Allocations per volume:");
        perVolume.forEach((volser, sum) -> System.out.printf("  %-6s %5d minidisks %9d cylinders/blocks%n", volser, sum[0], sum[1]));
        System.out.println();
        System.out.println("NAMES entries (" + plan.names().size() + "), first ones:");
        for (String record : NamesFile.of(plan.names().subList(0, Math.min(3, plan.names().size())))
                .toRecords(NamesFile.DEFAULT_RECORD_LENGTH)) {
            System.out.println("  " + record.stripTrailing());
        }
        return 0;
    }

    private BatchPlan planLocal(String yaml) throws java.io.IOException {
        if (extentControl != null) {
            throw UserError.usage("--extent-control goes with --directory; the local simulation has its own");
        }
        SimulationDataDirectory local = SimulationDataDirectory.at(data.path());
        if (!Files.exists(local.directoryFile())) {
            throw UserError.usage("no CP directory in " + data.path() + " (" + local.directoryFile()
                    + "); create the demo master with '" + Invocation.command("master create-demo --data " + data.path()) + "'");
        }
        return new SimulationPlanner(local, Clock.systemUTC()).plan(yaml);
    }

    private BatchPlan planAgainstFiles(String yaml) {
        Path control = extentControl != null ? extentControl : directory.toAbsolutePath().getParent().resolve("EXTENT.CONTROL");
        for (Path file : new Path[] {directory, control}) {
            if (!Files.isRegularFile(file)) {
                throw UserError.usage(file + " does not exist or is not a file; give --directory (a USER DIRECT file)"
                        + " and --extent-control (DirMaint's EXTENT CONTROL)");
            }
        }
        try {
            return DirectoryPlanner.plan(new SpecParser().parse(yaml), UserDirectory.read(directory),
                    ExtentControl.read(control), Clock.systemUTC());
        } catch (DirectoryException e) {
            throw new UserError(e.getMessage() + ". Fix that line of the directory file.", e);
        } catch (ExtentControlException e) {
            throw new UserError(e.getMessage() + ". Fix that line of the EXTENT CONTROL file.", e);
        } catch (BoundedFiles.FileTooLargeException | BoundedFiles.NotUtf8Exception e) {
            throw new UserError(e.getMessage() + "; give the directory extract and EXTENT CONTROL of the system.", e);
        } catch (java.io.IOException e) {
            throw new UserError("cannot read " + directory + " or " + control + ": " + e.getMessage(), e);
        }
    }

    private static String print(DirectoryEntry entry) {
        UserDirectory one = UserDirectory.empty();
        one.add(entry);
        return one.print();
    }
}
