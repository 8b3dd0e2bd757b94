package org.clonefarm.worker.copy;

/**
 * Receives progress of one copy, a few times a second at most and once at the end. Called on the
 * copy's driver thread: implementations must return quickly and must not block (publish to a queue
 * or an event bus). An exception thrown here fails nothing; it is logged and the copy goes on.
 */
@FunctionalInterface
public interface CopyListener {

    /** A listener that ignores progress. */
    CopyListener NONE = progress -> { };

    void onProgress(CopyProgress progress);

    /**
     * A checkpoint batch became durable: the target was forced and {@code chunks} checkpoints were
     * written with a synced write, taking {@code nanos} together (the cost of durability, for metrics).
     * Called on the commit's thread, not the driver's: must be thread-safe and return at once. The
     * default ignores it.
     */
    default void onCheckpointCommitted(long nanos, int chunks) {
    }
}
