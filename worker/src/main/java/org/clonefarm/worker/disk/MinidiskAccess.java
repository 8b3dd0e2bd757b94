package org.clonefarm.worker.disk;

import java.util.Optional;
import java.util.function.Consumer;
import org.clonefarm.proto.CloneDisk;
import org.clonefarm.proto.DiskExtent;

/**
 * The worker's way to a minidisk's bytes: {@link #attach} a minidisk named as z/VM names it (owner, vaddr)
 * in a mode, copy its {@link AttachedDisk#region()}, {@link #release} it. Whatever was attached is released
 * on every path; what a killed worker left attached is released by {@link #reconcile()} at the next start.
 *
 * <p>Every method blocks (CP commands, udev, fsync, formatting): call them off event loops and off the
 * consumer's thread. Implementations are thread-safe; one instance per worker process.
 */
public interface MinidiskAccess extends AutoCloseable {

    /** How a minidisk is attached. */
    enum Mode {
        /** Read-only: a source ({@code LINK ... RR}). */
        READ,
        /** Read/write: a target ({@code LINK ... MR}); refused when CP gives read-only access. */
        WRITE
    }

    /** Which implementation this is. */
    DiskAccessKind kind();

    /**
     * Checks, before a request is admitted, that a COPY disk's source and target are where the request
     * says, where this access can tell. The request verifier has already checked that the disk goes from
     * the master's minidisk to the clone's own one of the same address, as planned.
     *
     * <p>The default finds nothing wrong: on z/VM CP decides the bytes, since {@link #attach} LINKs the
     * minidisk by owner and address and checks its size, so offsets in a request are never used. An
     * access that addresses bytes itself (volume images) refuses extents its directory does not give.
     * The one method called on the consumer's thread: it answers from local files, without CP.
     *
     * @return why the request must be refused (it names bytes that are not the planned minidisks'), or empty
     * @throws DiskAccessException when the check cannot be made now (a directory that cannot be read, a
     *     missing volume): the copy fails with this reason and nothing is written
     */
    default Optional<String> misplacement(CloneDisk disk) throws DiskAccessException {
        return Optional.empty();
    }

    /**
     * Attaches a minidisk and checks it is the one planned (device type, size, write access for {@link
     * Mode#WRITE}). On failure nothing stays attached.
     *
     * @throws DiskAccessException naming the disk, the step and whether a retry can help
     */
    AttachedDisk attach(DiskExtent extent, Mode mode) throws DiskAccessException;

    /**
     * Releases an attached disk: a target's writes are forced to the device first. Idempotent for a disk
     * already released.
     *
     * @throws DiskAccessException when the disk may still be attached (it is then released by the next
     *     {@link #reconcile()} or {@link #close()})
     */
    void release(AttachedDisk disk) throws DiskAccessException;

    /** Whether {@link #flashcopy} can work here at all (CP is there to ask). */
    boolean canFlashcopy();

    /**
     * A storage-side copy of the whole source onto the target ({@code FLASHCOPY ... SYNC}); both attached.
     *
     * @throws DiskAccessException when CP refuses or cannot do it; the message has CP's answer
     */
    void flashcopy(AttachedDisk source, AttachedDisk target) throws DiskAccessException;

    /**
     * Makes an attached ECKD target ready for a block copy (low-level format with 4 KiB blocks); a no-op
     * where no format is needed (FBA, V-DISK, volume images). Destroys the target's content.
     *
     * @param progress receives the formatter's progress lines
     */
    void formatTarget(AttachedDisk target, Consumer<String> progress) throws DiskAccessException;

    /**
     * Releases what a previous run of this worker left attached (it was killed mid-copy). Call once at
     * start, before the first {@link #attach}.
     */
    void reconcile() throws DiskAccessException;

    /** Releases every disk still attached (the exit path of a worker whose copies were stopped). */
    @Override
    void close();
}
