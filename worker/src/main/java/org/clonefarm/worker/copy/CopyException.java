package org.clonefarm.worker.copy;

import java.nio.file.Path;

/**
 * Why a disk copy failed: a {@link Kind}, whether running the same copy again can succeed, and where
 * (the file or device and the byte offset in it, when known).
 *
 * <p>Whatever the kind, the checkpoints written before the failure stay valid: a retry with the same
 * copy id continues after the last durable chunk. Immutable.
 */
public final class CopyException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Offset value when the failure is not tied to one byte offset. */
    public static final long NO_OFFSET = -1;

    /** The kinds of copy failure. */
    public enum Kind {
        /** The plan was refused before a byte was written (overlap, too small a target, short source...). */
        REFUSED(false),
        /** A read, write or force failed. Retrying may succeed (a transient device error). */
        IO(true),
        /** The target ran out of space. Retryable once there is room. */
        TARGET_FULL(true),
        /** The source ended before its declared length while being copied: someone changed it. */
        SOURCE_CHANGED(false),
        /** {@code verify} read back different bytes from the target than were written. */
        VERIFY_MISMATCH(true),
        /** The checkpoint store failed (RocksDB); the data already written is intact. */
        CHECKPOINT(true);

        private final boolean retryableByDefault;

        Kind(boolean retryableByDefault) {
            this.retryableByDefault = retryableByDefault;
        }

        /** Whether a failure of this kind is, as a rule, worth retrying unchanged. */
        public boolean retryableByDefault() {
            return retryableByDefault;
        }
    }

    private final Kind kind;
    private final boolean retryable;
    private final Path path;
    private final long offset;

    public CopyException(Kind kind, String message, Path path, long offset, Throwable cause) {
        this(kind, kind.retryableByDefault(), message, path, offset, cause);
    }

    public CopyException(Kind kind, boolean retryable, String message, Path path, long offset, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.retryable = retryable;
        this.path = path;
        this.offset = offset;
    }

    /** A plan refused before anything was written. */
    public static CopyException refused(String message, Path path) {
        return new CopyException(Kind.REFUSED, message, path, NO_OFFSET, null);
    }

    public Kind kind() {
        return kind;
    }

    /** Whether running the same copy again, unchanged, can succeed. */
    public boolean retryable() {
        return retryable;
    }

    /** The file or device concerned, or {@code null}. */
    public Path path() {
        return path;
    }

    /** The byte offset in {@link #path()} where it failed, or {@link #NO_OFFSET}. */
    public long offset() {
        return offset;
    }
}
