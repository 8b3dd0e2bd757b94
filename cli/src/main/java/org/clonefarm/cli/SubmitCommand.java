package org.clonefarm.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.clonefarm.coordinator.api.BatchCommands;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code clonefarm submit SPEC}: applies a spec: directory, NAMES file, one clone request per clone. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {
            "Submit a clone spec: write the clones' directory entries and their NAMES entries on the master's 191",
            "disk (under the directory lock), then publish one clone request per clone. Submitting the same spec",
            "again changes nothing; a changed spec under an existing batch name is refused."
        })
public final class SubmitCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SPEC", description = "The clone spec (YAML).")
    Path spec;

    @Mixin
    DataDirectoryOption data;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() {
        String yaml = SpecFile.read(spec);
        try (OperatorSession session = new OperatorSession(kafka, data.writable(), "submit")) {
            BatchCommands.Submitted submitted;
            try {
                submitted = session.commands().submit(yaml).join();
            } catch (RuntimeException e) {
                throw SpecFile.unwrap(e, spec.toString());
            }
            if (submitted.alreadySubmitted()) {
                System.out.println("batch " + submitted.batchId() + " was submitted before with this spec; nothing changed ("
                        + submitted.clones() + " clones)");
            } else {
                System.out.println("submitted batch " + submitted.batchId() + ": " + submitted.clones() + " clones, "
                        + Sizes.bytes(submitted.bytesToCopy()) + " to copy. Follow it with: clonefarm watch "
                        + submitted.batchId() + " --data " + data.path());
            }
            return 0;
        }
    }
}
