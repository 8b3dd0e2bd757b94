package org.clonefarm.cli;

import java.nio.file.Path;
import org.clonefarm.worker.service.DiskSettings;
import picocli.CommandLine.Option;

/**
 * The Linux and CP tools of a worker guest on z/VM ({@code --vmcp}, {@code --chccwdev}, {@code --cio-ignore},
 * {@code --udevadm}, {@code --by-path-dir}, {@code --dasdfmt}), for the cp disk access; the texts and
 * defaults are {@link DiskSettings}'s. A picocli mixin of {@code worker}.
 */
public final class ZvmToolOptions {

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
     * {@code disk} with these tools.
     *
     * @throws UserError naming the options when a value is not allowed
     */
    DiskSettings apply(DiskSettings disk) {
        try {
            return disk.withTools(vmcp, chccwdev, cioIgnore, udevadm, byPathDirectory.toAbsolutePath().normalize(), dasdfmt);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--vmcp/--chccwdev/--cio-ignore/--udevadm/--by-path-dir/--dasdfmt: " + e.getMessage()
                    + ".");
        }
    }
}
