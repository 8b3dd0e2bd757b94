package org.clonefarm.worker.service;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.clonefarm.platform.cp.VmcpCp;
import org.clonefarm.worker.disk.CpAccessOptions;
import org.clonefarm.worker.disk.DiskAccessKind;
import org.clonefarm.worker.disk.FlashcopyPolicy;

/**
 * How a worker reaches minidisks and the operating-system touchpoints of the z/VM path, each declared
 * here once with its default and a one-line doc (the command line's help uses the same texts). Immutable;
 * the compact constructor validates every value and names it in the message.
 *
 * @param kind {@value #KIND_DOC}
 * @param flashcopy {@value #FLASHCOPY_DOC}
 * @param vmcp {@value #VMCP_DOC}
 * @param chccwdev {@value #CHCCWDEV_DOC}
 * @param cioIgnore {@value #CIO_IGNORE_DOC}
 * @param udevadm {@value #UDEVADM_DOC}
 * @param byPathDirectory {@value #BY_PATH_DOC}
 * @param dasdfmt {@value #DASDFMT_DOC}
 * @param stateDirectory {@value #STATE_DIRECTORY_DOC}; {@code null} for the default
 * @param onlineTimeout {@value #ONLINE_TIMEOUT_DOC}
 */
public record DiskSettings(
        DiskAccessKind kind,
        FlashcopyPolicy flashcopy,
        String vmcp,
        String chccwdev,
        String cioIgnore,
        String udevadm,
        Path byPathDirectory,
        String dasdfmt,
        Path stateDirectory,
        Duration onlineTimeout) {

    public static final DiskAccessKind DEFAULT_KIND = DiskAccessKind.VOLUMES;
    public static final String KIND_DOC = "How minidisks are reached: cp (CP LINK at a free vdev, the ccw device online,"
            + " its block device copied, DETACH: on z/VM) or volumes (the local simulation's volume images)";
    public static final FlashcopyPolicy DEFAULT_FLASHCOPY = FlashcopyPolicy.AUTO;
    public static final String FLASHCOPY_DOC = "CP FLASHCOPY first: auto (try it, copy in chunks when CP refuses), never,"
            + " or required (a disk FLASHCOPY cannot copy fails)";
    public static final String DEFAULT_VMCP = "vmcp";
    public static final String VMCP_DOC = "The vmcp executable (a name on PATH or a path) that issues CP commands";
    public static final String DEFAULT_CHCCWDEV = "chccwdev";
    public static final String CHCCWDEV_DOC = "The chccwdev executable that sets ccw devices online and offline";
    public static final String DEFAULT_CIO_IGNORE = "cio_ignore";
    public static final String CIO_IGNORE_DOC = "The cio_ignore executable that takes a linked device off the ignore list";
    public static final String DEFAULT_UDEVADM = "udevadm";
    public static final String UDEVADM_DOC = "The udevadm executable (udevadm settle after a device comes online)";
    public static final Path DEFAULT_BY_PATH_DIRECTORY = Path.of("/dev/disk/by-path");
    public static final String BY_PATH_DOC = "Where udev links an online device as ccw-0.0.VDEV";
    public static final String DEFAULT_DASDFMT = "dasdfmt";
    public static final String DASDFMT_DOC = "The dasdfmt executable that formats an ECKD target with 4 KiB blocks before"
            + " a block copy";
    public static final String STATE_DIRECTORY_DOC = "Where the host-wide vdev lock and each worker's list of live links"
            + " are kept (default DATA/disk-state); shared by the workers of one guest";
    public static final Duration DEFAULT_ONLINE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration MAX_ONLINE_TIMEOUT = Duration.ofHours(1);
    public static final String ONLINE_TIMEOUT_DOC = "How long a linked device may take to appear under the by-path"
            + " directory once set online (1 s to 1 h)";

    public DiskSettings {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(flashcopy, "flashcopy");
        vmcp = executable("vmcp", vmcp);
        chccwdev = executable("chccwdev", chccwdev);
        cioIgnore = executable("cio_ignore", cioIgnore);
        udevadm = executable("udevadm", udevadm);
        dasdfmt = executable("dasdfmt", dasdfmt);
        Objects.requireNonNull(byPathDirectory, "byPathDirectory");
        if (!byPathDirectory.isAbsolute()) {
            throw new IllegalArgumentException("by-path directory must be an absolute path, got " + byPathDirectory);
        }
        Objects.requireNonNull(onlineTimeout, "onlineTimeout");
        if (onlineTimeout.compareTo(Duration.ofSeconds(1)) < 0 || onlineTimeout.compareTo(MAX_ONLINE_TIMEOUT) > 0) {
            throw new IllegalArgumentException("online timeout must be 1 s to 1 h, got " + onlineTimeout);
        }
        stateDirectory = stateDirectory == null ? null : stateDirectory.toAbsolutePath().normalize();
    }

    /** Every default: the volumes access, FLASHCOPY auto, the tools on PATH, {@code /dev/disk/by-path}. */
    public static DiskSettings defaults() {
        return new DiskSettings(DEFAULT_KIND, DEFAULT_FLASHCOPY, DEFAULT_VMCP, DEFAULT_CHCCWDEV, DEFAULT_CIO_IGNORE,
                DEFAULT_UDEVADM, DEFAULT_BY_PATH_DIRECTORY, DEFAULT_DASDFMT, null, DEFAULT_ONLINE_TIMEOUT);
    }

    public DiskSettings withKind(DiskAccessKind newKind) {
        return new DiskSettings(newKind, flashcopy, vmcp, chccwdev, cioIgnore, udevadm, byPathDirectory, dasdfmt,
                stateDirectory, onlineTimeout);
    }

    public DiskSettings withFlashcopy(FlashcopyPolicy policy) {
        return new DiskSettings(kind, policy, vmcp, chccwdev, cioIgnore, udevadm, byPathDirectory, dasdfmt,
                stateDirectory, onlineTimeout);
    }

    /** The same with other executables and by-path directory (the OS touchpoints of the cp path). */
    public DiskSettings withTools(String newVmcp, String newChccwdev, String newCioIgnore, String newUdevadm,
            Path newByPathDirectory, String newDasdfmt) {
        return new DiskSettings(kind, flashcopy, newVmcp, newChccwdev, newCioIgnore, newUdevadm, newByPathDirectory,
                newDasdfmt, stateDirectory, onlineTimeout);
    }

    public DiskSettings withStateDirectory(Path directory) {
        return new DiskSettings(kind, flashcopy, vmcp, chccwdev, cioIgnore, udevadm, byPathDirectory, dasdfmt,
                directory, onlineTimeout);
    }

    public DiskSettings withOnlineTimeout(Duration timeout) {
        return new DiskSettings(kind, flashcopy, vmcp, chccwdev, cioIgnore, udevadm, byPathDirectory, dasdfmt,
                stateDirectory, timeout);
    }

    /** The state directory: the configured one, or {@code <data>/disk-state}. */
    public Path stateDirectory(Path dataDirectory) {
        return stateDirectory != null ? stateDirectory : dataDirectory.resolve("disk-state");
    }

    /** CP through the configured vmcp, 30 s per command. */
    public VmcpCp vmcpCp() {
        return new VmcpCp(vmcp, System.getenv(), Duration.ofSeconds(30));
    }

    /** The options of a {@link org.clonefarm.worker.disk.CpMinidiskAccess} for one worker. */
    public CpAccessOptions cpAccessOptions(String workerId, Path dataDirectory) {
        return new CpAccessOptions(stateDirectory(dataDirectory), workerId, onlineTimeout,
                CpAccessOptions.DEFAULT_LOCK_TIMEOUT, dasdfmt, CpAccessOptions.DEFAULT_FIRST_VDEV,
                CpAccessOptions.DEFAULT_LAST_VDEV);
    }

    private static String executable(String name, String value) {
        Objects.requireNonNull(value, name);
        if (value.isBlank() || value.chars().anyMatch(c -> c == 0 || c == '\n')) {
            throw new IllegalArgumentException(name + " executable must be a command name or path, got '" + value + "'");
        }
        return value;
    }
}
