package org.clonefarm.worker.copy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import org.clonefarm.platform.io.FileRegion;

/**
 * One disk copy: the source extent (read only), the target extent (a length on the target, when
 * given, is the room there), the options, and the copy id that keys its checkpoints. Immutable.
 *
 * @param source the bytes to copy; a length of {@link FileRegion#TO_END} means up to the end of the source
 * @param target where they go, from the target offset on
 * @param options how to copy
 * @param copyId the checkpoint key; {@code null} derives it with {@link #deriveCopyId}
 * @param sourceKey the identity of the source's bytes for a fan-out: copies that run at once on one engine with the
 *     same key read each source chunk once ({@code CopyEngine}); {@code null} derives it from the source's path and
 *     offset. Give one where one source is reached by several paths (a minidisk LINKed at a vdev per copy).
 */
public record CopyPlan(FileRegion source, FileRegion target, CopyOptions options, String copyId, String sourceKey) {

    /** A plan whose source key is derived from the source's path and offset. */
    public CopyPlan(FileRegion source, FileRegion target, CopyOptions options, String copyId) {
        this(source, target, options, copyId, null);
    }

    public CopyPlan {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(options, "options");
        if (copyId != null && (copyId.isBlank() || copyId.length() > 200 || copyId.indexOf('\0') >= 0)) {
            throw new IllegalArgumentException("copy id must be 1 to 200 characters without NUL, got '" + copyId + "'");
        }
        if (sourceKey != null && sourceKey.isBlank()) {
            throw new IllegalArgumentException("a source key must not be blank");
        }
    }

    /** A plan with the default options and a derived copy id. */
    public static CopyPlan of(FileRegion source, FileRegion target) {
        return new CopyPlan(source, target, CopyOptions.defaults(), null);
    }

    public CopyPlan withOptions(CopyOptions newOptions) {
        return new CopyPlan(source, target, newOptions, copyId, sourceKey);
    }

    public CopyPlan withCopyId(String id) {
        return new CopyPlan(source, target, options, id, sourceKey);
    }

    public CopyPlan withSourceKey(String key) {
        return new CopyPlan(source, target, options, copyId, key);
    }

    /**
     * The given source key, or {@code file:}, the absolute normalized source path, {@code @} and the source offset:
     * copies of one file extent share their reads without being told.
     */
    public String effectiveSourceKey() {
        return sourceKey != null ? sourceKey : "file:" + canonical(source.path()) + "@" + source.offset();
    }

    /** The given copy id, or the derived one. */
    public String effectiveCopyId() {
        return copyId != null ? copyId : deriveCopyId(source, target);
    }

    /**
     * The copy id of a plan without one: {@code copy-} and 20 hex digits of the SHA-256 of the absolute,
     * normalized source and target paths, offsets and source length. Stable across restarts and across
     * option changes (chunk size, parallelism), so re-running the same command resumes.
     */
    public static String deriveCopyId(FileRegion source, FileRegion target) {
        String text = canonical(source.path()) + "\n" + source.offset() + "\n" + source.length() + "\n"
                + canonical(target.path()) + "\n" + target.offset();
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "copy-" + HexFormat.of().formatHex(hash, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static String canonical(Path path) {
        return path.toAbsolutePath().normalize().toString();
    }
}
