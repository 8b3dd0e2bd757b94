package org.clonefarm.worker.copy.internal;

import java.nio.file.Path;

/**
 * A plan checked against the files as they are: absolute extents, the length, and what is known
 * about the target. Immutable.
 *
 * @param source the source file or device
 * @param sourceOffset first source byte
 * @param length bytes to copy
 * @param sourceKind what the source is (a regular file may have holes)
 * @param target the target file or device
 * @param targetOffset first target byte
 * @param targetKind what the target is now (missing: it will be created)
 * @param targetSizeNow the target's size now (0 when missing)
 * @param zeroFromNow extent-relative offset from which the target reads as zeros now, or
 *     {@link org.clonefarm.worker.copy.CheckpointLayout#NOT_ZERO}
 */
public record ResolvedPlan(
        Path source,
        long sourceOffset,
        long length,
        ExtentProbe.Kind sourceKind,
        Path target,
        long targetOffset,
        ExtentProbe.Kind targetKind,
        long targetSizeNow,
        long zeroFromNow) {
}
