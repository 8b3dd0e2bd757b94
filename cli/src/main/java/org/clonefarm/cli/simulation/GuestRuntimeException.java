package org.clonefarm.cli.simulation;

/**
 * A step of the local simulation's host side failed: mke2fs, the release of what a killed runtime left
 * mounted, the agent process (a loop device or mount of a boot fails as {@code platform}'s
 * {@code LoopMountException}). The message names the command, the image or region and what the host said.
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
