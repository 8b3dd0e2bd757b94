package org.clonefarm.agent.internal;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One change the agent makes to a file of the guest: replace its content, or delete it. The path
 * is the path inside the guest ({@code /etc/hostname}); where it lands on disk is the
 * {@link GuestPaths}' business. Immutable.
 *
 * @param guestPath absolute path inside the guest
 * @param content the new content, or null to delete the file
 * @param mode POSIX permissions of a new file such as {@code rw-r--r--}; an existing file keeps its own
 */
public record FileChange(String guestPath, byte[] content, String mode) {

    public FileChange {
        Objects.requireNonNull(guestPath, "guestPath");
        if (!guestPath.startsWith("/")) {
            throw new IllegalArgumentException("guest path must be absolute: " + guestPath);
        }
    }

    public static FileChange write(String guestPath, String content) {
        return new FileChange(guestPath, content.getBytes(StandardCharsets.UTF_8), "rw-r--r--");
    }

    public static FileChange writePrivate(String guestPath, String content) {
        return new FileChange(guestPath, content.getBytes(StandardCharsets.UTF_8), "rw-------");
    }

    public static FileChange delete(String guestPath) {
        return new FileChange(guestPath, null, null);
    }

    public boolean isDelete() {
        return content == null;
    }

    @Override
    public String toString() {
        return (isDelete() ? "delete " : "write ") + guestPath;
    }
}
