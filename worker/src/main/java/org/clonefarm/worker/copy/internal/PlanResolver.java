package org.clonefarm.worker.copy.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.worker.copy.CheckpointLayout;
import org.clonefarm.worker.copy.CopyException;
import org.clonefarm.worker.copy.CopyPlan;

/**
 * Checks a plan before a byte is written and refuses, with the numbers, what must never run: a
 * source shorter than its declared length, a target extent past the end of a block device or smaller
 * than the source, source and target extents that overlap in one file, a source or target that is not
 * a file or block device. Stateless, thread-safe.
 */
public final class PlanResolver {

    private PlanResolver() {
    }

    public static ResolvedPlan resolve(CopyPlan plan) throws CopyException {
        FileRegion source = plan.source();
        FileRegion target = plan.target();
        ExtentProbe.Probe src = probe(source.path());
        if (src.kind() == ExtentProbe.Kind.MISSING) {
            throw CopyException.refused("source " + source.path() + " does not exist", source.path());
        }
        if (src.kind() == ExtentProbe.Kind.OTHER) {
            throw CopyException.refused("source " + source.path() + " is neither a file nor a block device", source.path());
        }
        if (source.offset() > src.size()) {
            throw CopyException.refused("source offset " + source.offset() + " is past the end of " + source.path()
                    + " (" + src.size() + " bytes)", source.path());
        }
        long length = source.toEnd() ? src.size() - source.offset() : source.length();
        if (source.offset() + length > src.size()) {
            throw CopyException.refused("source " + source.path() + " is shorter than declared: " + source.offset()
                    + " + " + length + " = " + (source.offset() + length) + " bytes needed, it has " + src.size(),
                    source.path());
        }

        ExtentProbe.Probe tgt = probe(target.path());
        if (tgt.kind() == ExtentProbe.Kind.OTHER) {
            throw CopyException.refused("target " + target.path() + " is neither a file nor a block device", target.path());
        }
        if (tgt.kind() == ExtentProbe.Kind.MISSING && !Files.isDirectory(absoluteParent(target.path()))) {
            throw CopyException.refused("the directory of target " + target.path() + " does not exist", target.path());
        }
        if (!target.toEnd() && target.length() < length) {
            throw CopyException.refused("target extent " + target + " holds " + target.length()
                    + " bytes, the source extent has " + length, target.path());
        }
        if (tgt.kind() == ExtentProbe.Kind.BLOCK_DEVICE && target.offset() + length > tgt.size()) {
            throw CopyException.refused("target extent " + target.offset() + " + " + length + " = "
                    + (target.offset() + length) + " bytes runs past the end of block device " + target.path()
                    + " (" + tgt.size() + " bytes)", target.path());
        }
        if (tgt.kind() != ExtentProbe.Kind.MISSING && sameFile(source.path(), target.path())
                && source.offset() < target.offset() + length && target.offset() < source.offset() + length) {
            throw CopyException.refused("source extent " + source.offset() + "+" + length + " and target extent "
                    + target.offset() + "+" + length + " overlap in " + source.path(), target.path());
        }

        long zeroFrom = CheckpointLayout.NOT_ZERO;
        if (plan.options().targetZeroed()) {
            zeroFrom = 0;
        } else if (tgt.kind() == ExtentProbe.Kind.MISSING) {
            zeroFrom = 0;
        } else if (tgt.kind() == ExtentProbe.Kind.REGULAR_FILE) {
            zeroFrom = Math.max(0, tgt.size() - target.offset());
        }
        return new ResolvedPlan(source.path(), source.offset(), length, src.kind(), target.path(), target.offset(),
                tgt.kind(), tgt.size(), zeroFrom);
    }

    private static ExtentProbe.Probe probe(Path path) throws CopyException {
        try {
            return ExtentProbe.probe(path);
        } catch (IOException e) {
            throw new CopyException(CopyException.Kind.IO, "cannot inspect " + path + ": " + e.getMessage(), path,
                    CopyException.NO_OFFSET, e);
        }
    }

    private static boolean sameFile(Path a, Path b) throws CopyException {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            throw new CopyException(CopyException.Kind.IO, "cannot compare " + a + " and " + b + ": " + e.getMessage(),
                    b, CopyException.NO_OFFSET, e);
        }
    }

    private static Path absoluteParent(Path path) {
        Path parent = path.toAbsolutePath().getParent();
        return parent == null ? Path.of("/") : parent;
    }
}
