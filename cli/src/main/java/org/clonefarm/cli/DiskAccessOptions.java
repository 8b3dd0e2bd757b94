package org.clonefarm.cli;

import java.nio.file.Path;
import org.clonefarm.worker.disk.DiskAccessKind;
import org.clonefarm.worker.disk.FlashcopyPolicy;
import org.clonefarm.worker.service.DiskSettings;
import picocli.CommandLine.Option;

/**
 * How a worker reaches minidisks ({@code --disk-access}, {@code --flashcopy}) and the tools of the z/VM
 * path ({@code --vmcp}, {@code --chccwdev}, {@code --cio-ignore}, {@code --udevadm}, {@code --by-path-dir},
 * {@code --dasdfmt}); the texts and defaults are {@link DiskSettings}'s. A picocli mixin.
 */
public final class DiskAccessOptions {

    @Option(names = "--disk-access", paramLabel = "cp|volumes", defaultValue = "volumes",
            description = DiskSettings.KIND_DOC + " (default: ${DEFAULT-VALUE}).")
    String kind;

    @Option(names = "--flashcopy", paramLabel = "auto|never|required", defaultValue = "auto",
            description = DiskSettings.FLASHCOPY_DOC + " (default: ${DEFAULT-VALUE}).")
    String flashcopy;

    @Option(names = "--vmcp", paramLabel = "PATH", defaultValue = DiskSettings.DEFAULT_VMCP,
            description = DiskSettings.VMCP_DOC + " (default: ${DEFAULT-VALUE}).")
    String vmcp;

    @Option(names = "--chccwdev", paramLabel = "PATH", defaultValue = DiskSettings.DEFAULT_CHCCWDEV,
            description = DiskSettings.CHCCWDEV_DOC + " (default: ${DEFAULT-VALUE}).")
    String chccwdev;

    @Option(names = "--cio-ignore", paramLabel = "PATH", defaultValue = DiskSettings.DEFAULT_CIO_IGNORE,
            description = DiskSettings.CIO_IGNORE_DOC + " (default: ${DEFAULT-VALUE}).")
    String cioIgnore;

    @Option(names = "--udevadm", paramLabel = "PATH", defaultValue = DiskSettings.DEFAULT_UDEVADM,
            description = DiskSettings.UDEVADM_DOC + " (default: ${DEFAULT-VALUE}).")
    String udevadm;

    @Option(names = "--by-path-dir", paramLabel = "DIR", defaultValue = "/dev/disk/by-path",
            description = DiskSettings.BY_PATH_DOC + " (default: ${DEFAULT-VALUE}).")
    Path byPathDirectory;

    @Option(names = "--dasdfmt", paramLabel = "PATH", defaultValue = DiskSettings.DEFAULT_DASDFMT,
            description = DiskSettings.DASDFMT_DOC + " (default: ${DEFAULT-VALUE}).")
    String dasdfmt;

    /**
     * The settings these options give.
     *
     * @throws UserError naming the option when a value is not allowed
     */
    DiskSettings settings() {
        DiskAccessKind accessKind;
        FlashcopyPolicy policy;
        try {
            accessKind = DiskAccessKind.parse(kind);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--disk-access: " + e.getMessage() + ".");
        }
        try {
            policy = FlashcopyPolicy.parse(flashcopy);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--flashcopy: " + e.getMessage() + ".");
        }
        try {
            return DiskSettings.defaults().withKind(accessKind).withFlashcopy(policy)
                    .withTools(vmcp, chccwdev, cioIgnore, udevadm, byPathDirectory.toAbsolutePath().normalize(), dasdfmt);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--vmcp/--chccwdev/--cio-ignore/--udevadm/--by-path-dir/--dasdfmt: " + e.getMessage()
                    + ".");
        }
    }
}
