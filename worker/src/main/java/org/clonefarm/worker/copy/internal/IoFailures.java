package org.clonefarm.worker.copy.internal;

import java.io.IOException;
import java.nio.file.Path;
import org.clonefarm.worker.copy.CopyException;

/**
 * Turns an {@link IOException} of a read, write or force into a typed {@link CopyException}. Java
 * reports errno only in the message, so "No space left on device" (ENOSPC) and "Disk quota exceeded"
 * (EDQUOT) are recognised by their text. Stateless, thread-safe.
 */
public final class IoFailures {

    private IoFailures() {
    }

    public static CopyException of(IOException e, String action, Path path, long offset) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("No space left on device") || message.contains("Disk quota exceeded")) {
            return new CopyException(CopyException.Kind.TARGET_FULL, "target " + path + " is full: cannot " + action
                    + " at offset " + offset + " (" + message + "); make room and run the copy again to continue",
                    path, offset, e);
        }
        return new CopyException(CopyException.Kind.IO, "cannot " + action + " " + path + " at offset " + offset
                + ": " + message, path, offset, e);
    }
}
