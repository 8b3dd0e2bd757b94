package org.clonefarm.worker.disk;

/**
 * A minidisk could not be attached, prepared, FLASHCOPYed or released. The message says which disk
 * (owner and vaddr), at which vdev when there is one, which step and what CP or the tool answered; the
 * flag says whether trying the same copy again later can help (a link conflict, a slow udev) or not (no
 * such user, a disk of another size than planned).
 */
public final class DiskAccessException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean retryable;

    public DiskAccessException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public DiskAccessException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** Whether trying the same copy again later can succeed. */
    public boolean retryable() {
        return retryable;
    }
}
