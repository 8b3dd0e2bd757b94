package org.clonefarm.cli;

import java.nio.file.Path;
import org.clonefarm.worker.disk.DiskAccessKind;
import org.clonefarm.worker.disk.FlashcopyPolicy;
import org.clonefarm.worker.service.DiskSettings;
import picocli.CommandLine.Option;

/**
 * How workers reach minidisks ({@code --disk-access}, {@code --flashcopy}); the texts and defaults are
 * {@link DiskSettings}'s. A picocli mixin of {@code worker}, {@code up} and {@code demo}; the tools of the
 * z/VM path are {@link ZvmToolOptions} ({@code worker} only).
 */
public final class DiskAccessOptions {

    @Option(names = "--disk-access", paramLabel = "cp|volumes",
            description = DiskSettings.KIND_DOC + " (default: cp for up and demo, on the local simulation;"
                    + " volumes for worker).")
    String kind;

    @Option(names = "--flashcopy", paramLabel = "auto|never|required", defaultValue = "auto",
            description = DiskSettings.FLASHCOPY_DOC + " (default: ${DEFAULT-VALUE}).")
    String flashcopy;

    /**
     * The settings these options give; {@code whenAbsent} is the command's own default access.
     *
     * @throws UserError naming the option when a value is not allowed
     */
    DiskSettings settings(DiskAccessKind whenAbsent) {
        DiskAccessKind accessKind;
        FlashcopyPolicy policy;
        try {
            accessKind = kind == null ? whenAbsent : DiskAccessKind.parse(kind);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--disk-access: " + e.getMessage() + ".");
        }
        try {
            policy = FlashcopyPolicy.parse(flashcopy);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--flashcopy: " + e.getMessage() + ".");
        }
        return DiskSettings.defaults().withKind(accessKind).withFlashcopy(policy);
    }
}
