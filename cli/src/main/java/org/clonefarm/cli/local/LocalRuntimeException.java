package org.clonefarm.cli.local;

/**
 * A step of the local simulation's host side failed: a loop device, a mount, mke2fs, the agent
 * process. The message names the command, the image or region and what the host said.
 * {@link #retryable()} says whether trying again may help (a busy device, a timeout) or not (a
 * damaged file system, a missing tool).
 */
public class LocalRuntimeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean retryable;

    public LocalRuntimeException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public LocalRuntimeException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
