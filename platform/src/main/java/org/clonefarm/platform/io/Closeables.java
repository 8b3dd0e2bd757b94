package org.clonefarm.platform.io;

import java.io.Closeable;
import java.io.IOException;

/**
 * Closing several resources so that one failure does not leave the others open, and no failure is
 * lost: each is closed in the order given, also after an earlier one failed; the first failure is the
 * one thrown and the later ones are added to it as suppressed. Stateless and thread-safe.
 */
public final class Closeables {
    private Closeables() {
    }

    /**
     * Closes every part, in order; {@code null} parts are skipped.
     *
     * @throws IOException the first failure, with the later ones suppressed in it
     */
    public static void closeAll(Closeable... parts) throws IOException {
        IOException failure = null;
        for (Closeable part : parts) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Closes every part, in order, on the way out of a failure: each failure to close is added to
     * {@code primary} as suppressed, so the caller can throw {@code primary} as it is.
     */
    public static void closeAllAfter(Throwable primary, Closeable... parts) {
        for (Closeable part : parts) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (IOException e) {
                primary.addSuppressed(e);
            }
        }
    }
}
