package org.clonefarm.platform.cp;

import java.nio.file.Path;
import java.time.Duration;
import org.clonefarm.platform.ids.Vaddr;

/**
 * The Linux side of a z/VM guest's channel subsystem, as a worker guest needs it to reach a minidisk it
 * has LINKed: take the device off the ignore list, set it online, wait for udev, find its block device,
 * set it offline again. Two implementations: {@code LinuxCcwBus} runs s390-tools' {@code cio_ignore} and
 * {@code chccwdev} and udev's {@code udevadm} (paths configurable) and polls the by-path directory
 * ({@code /dev/disk/by-path} by default); {@code SimulatedCcwBus} of the local simulation attaches a real
 * loop device over the linked minidisk's bytes and links it into a by-path directory of its own.
 *
 * <p>Device ids are bus ids {@code 0.0.VDEV} (lower-case hex, as Linux writes them). Every method either
 * succeeds or throws {@link CcwException} saying which device, which step and what the tool answered.
 * Implementations are thread-safe.
 */
public interface CcwBus {

    /** {@code cio_ignore -r 0.0.VDEV}: the device may be sensed (a no-op when it was not ignored). */
    void unignore(Vaddr vdev) throws CcwException;

    /**
     * {@code chccwdev -e 0.0.VDEV}, then {@code udevadm settle}, then polls for the by-path link of the
     * device until {@code timeout}.
     *
     * @return the block device's path as the by-path directory names it ({@code .../ccw-0.0.VDEV})
     */
    Path online(Vaddr vdev, Duration timeout) throws CcwException;

    /** {@code chccwdev -d 0.0.VDEV} after the caller flushed what it wrote; a device already offline is fine. */
    void offline(Vaddr vdev) throws CcwException;

    /** Whether the device is online now (its by-path link exists). */
    boolean isOnline(Vaddr vdev);

    /** The by-path link a device gets when online: {@code <by-path dir>/ccw-0.0.vdev}. */
    Path byPath(Vaddr vdev);

    /** A step on the Linux side failed: the device, the step and what the tool said. */
    final class CcwException extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean retryable;

        public CcwException(String message, boolean retryable) {
            super(message);
            this.retryable = retryable;
        }

        public CcwException(String message, boolean retryable, Throwable cause) {
            super(message, cause);
            this.retryable = retryable;
        }

        /** Whether trying again later can help (a device still busy, udev slow). */
        public boolean retryable() {
            return retryable;
        }
    }

    /** {@code 0.0.vdev}: the Linux bus id of a virtual device. */
    static String busId(Vaddr vdev) {
        return "0.0." + vdev.value().toLowerCase(java.util.Locale.ROOT);
    }
}
