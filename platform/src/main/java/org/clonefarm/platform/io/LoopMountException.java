package org.clonefarm.platform.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A loop device or a mount could not be set up or released ({@link LoopDevice}, {@link LoopMount}): which
 * {@link Step}, where (the region, the device, the mount point, as far as they were known), what the tool
 * answered, and whether trying the same step again later can help (a busy device, a tool that timed out)
 * or not (a file system that does not mount, a tool that is missing). The message is a whole sentence
 * naming all of that; a caller that owns a larger story (a worker's disk, a guest's boot) can build its
 * own sentence from the parts.
 */
public final class LoopMountException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Which step failed. */
    public enum Step {
        /** Creating the mount point directory. */
        CREATE_MOUNT_POINT,
        /** {@code losetup --find --show}: attaching a loop device over the region. */
        ATTACH,
        /** {@code mount}: mounting the file system (or the bind mount). */
        MOUNT,
        /** {@code umount}: the file system stayed busy, also for a lazy unmount where one was allowed. */
        UNMOUNT,
        /** {@code losetup --detach}: detaching the loop device. */
        DETACH,
        /** Finding or releasing what a killed process left under a directory ({@link LoopMount#releaseUnder}). */
        RELEASE_LEFTOVERS
    }

    private final Step step;
    private final transient FileRegion region;
    private final transient Path device;
    private final transient Path mountPoint;
    private final String detail;
    private final boolean retryable;

    LoopMountException(String message, Step step, FileRegion region, Path device, Path mountPoint, String detail,
            boolean retryable, Throwable cause) {
        super(message, cause);
        this.step = Objects.requireNonNull(step, "step");
        this.region = region;
        this.device = device;
        this.mountPoint = mountPoint;
        this.detail = Objects.requireNonNull(detail, "detail");
        this.retryable = retryable;
    }

    /** A step about to run: its sentence ("cannot mount X at Y") and where, to which a failure adds the detail. */
    record Context(Step step, String sentence, FileRegion region, Path device, Path mountPoint) {
        /** {@code <sentence>: <detail>}. */
        LoopMountException fail(String detail, boolean retryable, Throwable cause) {
            return new LoopMountException(sentence + ": " + detail, step, region, device, mountPoint, detail, retryable, cause);
        }
    }

    /** The step that failed. */
    public Step step() {
        return step;
    }

    /** The bytes the loop device was (to be) over, when the step concerned a region. */
    public Optional<FileRegion> region() {
        return Optional.ofNullable(region);
    }

    /** The loop or block device, when one was attached or given. */
    public Optional<Path> device() {
        return Optional.ofNullable(device);
    }

    /** The mount point (for {@link Step#RELEASE_LEFTOVERS}: the leftover's, or the directory searched). */
    public Optional<Path> mountPoint() {
        return Optional.ofNullable(mountPoint);
    }

    /** What the tool answered (its first line), or why it could not be asked; never empty. */
    public String detail() {
        return detail;
    }

    /** Whether trying the same step again later can help. */
    public boolean retryable() {
        return retryable;
    }
}
