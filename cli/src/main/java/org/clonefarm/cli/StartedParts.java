package org.clonefarm.cli;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The parts a command started, in the order it started them, to be stopped in reverse: what started last
 * stops first (the HTTP server before the service it serves, the workers before the broker). Closing goes on
 * past a failure so that nothing is left running; the first failure is thrown, later ones are suppressed in
 * it. Used by one starting thread and then by the one that closes; not thread-safe.
 */
final class StartedParts implements AutoCloseable {
    private final Deque<AutoCloseable> parts = new ArrayDeque<>();

    /** Records a part that started; returns it, for use in an expression. */
    <T extends AutoCloseable> T add(T part) {
        parts.push(part);
        return part;
    }

    /** Moves every part of {@code other} here, keeping their order; {@code other} is left empty. */
    void takeAll(StartedParts other) {
        while (!other.parts.isEmpty()) {
            parts.addLast(other.parts.pollFirst());
        }
    }

    /**
     * Stops every part on the way out of {@code cause} (a failed start): each failure to close is added to
     * it as suppressed, so the caller rethrows {@code cause} as it is.
     */
    void closeAfter(Exception cause) {
        while (!parts.isEmpty()) {
            try {
                parts.pop().close();
            } catch (Exception e) {
                cause.addSuppressed(e);
            }
        }
    }

    /** Stops every part, last started first. */
    @Override
    public void close() throws Exception {
        Exception first = null;
        while (!parts.isEmpty()) {
            try {
                parts.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
