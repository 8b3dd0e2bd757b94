package org.clonefarm.worker.disk;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.clonefarm.platform.ids.Vaddr;

/**
 * How {@link CpMinidiskAccess} behaves on this host. Immutable.
 *
 * @param stateDirectory where the host-wide vdev lock ({@code vdev.lock}), the FLASHCOPY lock and every
 *     worker's link state file ({@code links-<worker id>}) live; shared by the workers of one guest
 * @param workerId the worker whose link state file this access keeps
 * @param onlineTimeout how long a linked device may take to come online with its by-path link
 * @param lockTimeout how long to wait for the host-wide vdev lock
 * @param dasdfmt the {@code dasdfmt} executable (a name on PATH or a path)
 * @param firstVdev the lowest virtual address a link may use
 * @param lastVdev the highest
 */
public record CpAccessOptions(Path stateDirectory, String workerId, Duration onlineTimeout, Duration lockTimeout,
        String dasdfmt, Vaddr firstVdev, Vaddr lastVdev) {

    /** The addresses links use by default: 1000-EFFF, above a guest's usual own devices. */
    public static final Vaddr DEFAULT_FIRST_VDEV = Vaddr.of("1000");
    public static final Vaddr DEFAULT_LAST_VDEV = Vaddr.of("EFFF");
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(120);

    public CpAccessOptions {
        Objects.requireNonNull(stateDirectory, "stateDirectory");
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(onlineTimeout, "onlineTimeout");
        Objects.requireNonNull(lockTimeout, "lockTimeout");
        Objects.requireNonNull(dasdfmt, "dasdfmt");
        Objects.requireNonNull(firstVdev, "firstVdev");
        Objects.requireNonNull(lastVdev, "lastVdev");
        if (firstVdev.number() > lastVdev.number()) {
            throw new IllegalArgumentException("vdev range " + firstVdev + "-" + lastVdev + " is empty");
        }
        if (onlineTimeout.isNegative() || onlineTimeout.isZero() || lockTimeout.isNegative() || lockTimeout.isZero()) {
            throw new IllegalArgumentException("online and lock timeouts must be positive, got " + onlineTimeout
                    + " and " + lockTimeout);
        }
        stateDirectory = stateDirectory.toAbsolutePath().normalize();
    }

    /** The same with links only at addresses {@code first} to {@code last}. */
    public CpAccessOptions withVdevs(Vaddr first, Vaddr last) {
        return new CpAccessOptions(stateDirectory, workerId, onlineTimeout, lockTimeout, dasdfmt, first, last);
    }
}
