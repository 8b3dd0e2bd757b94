package org.clonefarm.worker.copy;

/**
 * A request to stop one or more copies. On {@link #cancel()} a copy stops issuing chunks, lets the
 * chunks in flight finish, forces the target, checkpoints what is durable and completes with
 * {@link CopyOutcome#CANCELLED}; a later run with the same copy id resumes there. Thread-safe; once
 * cancelled, stays cancelled.
 */
public final class CopyCancellation {
    private volatile boolean cancelled;

    /** A signal that is never cancelled. */
    public static CopyCancellation none() {
        return new CopyCancellation();
    }

    /** Asks every copy watching this signal to stop. Idempotent. */
    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }
}
