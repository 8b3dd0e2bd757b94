package org.clonefarm.cli.simulation;

/**
 * A step of the local simulation's host side failed: a loop device, a mount, mke2fs, the agent
 * process. The message names the command, the image or region and what the host said.
 * {@link #retryable()} says whether trying again may help (a busy device, a timeout) or not (a
 * damaged file system, a missing tool).
 */
public class GuestRuntimeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean retryable;

    public GuestRuntimeException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public GuestRuntimeException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
