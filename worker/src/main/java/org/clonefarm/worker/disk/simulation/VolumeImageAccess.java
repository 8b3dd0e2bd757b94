package org.clonefarm.worker.disk.simulation;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.platform.simulation.SimulationException;
import org.clonefarm.proto.CloneDisk;
import org.clonefarm.proto.DiskExtent;
import org.clonefarm.worker.disk.AttachedDisk;
import org.clonefarm.worker.disk.DiskAccessException;
import org.clonefarm.worker.disk.DiskAccessKind;
import org.clonefarm.worker.disk.MinidiskAccess;

/**
 * Minidisks as extents of the local simulation's volume images ({@code volumes/<VOLSER>.img}), placed by
 * its CP directory file: nothing is linked, nothing needs formatting, and FLASHCOPY is not available.
 * A request's extent must be exactly the one the directory gives the minidisk, or attaching it fails
 * (the worker never trusts byte offsets it was handed). Kept for the copy engine's tests and for
 * simulations without a simulated CP.
 *
 * <p>Thread-safe: the directory is read under {@link MinidiskDirectory}'s lock; attach and release
 * hold no other state.
 */
public final class VolumeImageAccess implements MinidiskAccess {
    private final MinidiskDirectory directory;

    /** Over the simulation's data directory (its {@code directory/USER.DIRECT} and {@code volumes/}). */
    public VolumeImageAccess(SimulationDataDirectory data) {
        this(new MinidiskDirectory(data));
    }

    /** Over a directory reader the caller gives. */
    public VolumeImageAccess(MinidiskDirectory directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
    }

    @Override
    public DiskAccessKind kind() {
        return DiskAccessKind.VOLUMES;
    }

    /**
     * Refuses a disk whose source or target extent is not the one the CP directory file gives that
     * minidisk, whose target is smaller than its source, or whose target overlaps its source.
     */
    @Override
    public Optional<String> misplacement(CloneDisk disk) throws DiskAccessException {
        FileRegion source;
        FileRegion target;
        try {
            source = directory.locate(Userid.of(disk.getSource().getOwner()), Vaddr.of(disk.getSource().getVaddr()));
            target = directory.locate(Userid.of(disk.getTarget().getOwner()), Vaddr.of(disk.getTarget().getVaddr()));
        } catch (MinidiskDirectory.NoSuchMinidisk | IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        } catch (SimulationException e) {
            throw new DiskAccessException("disk " + disk.getVaddr() + " cannot be copied: " + e.getMessage(), false, e);
        } catch (IOException e) {
            throw new DiskAccessException("cannot read the CP directory " + directory.directoryFile()
                    + " to find disk " + disk.getVaddr() + ": " + e, true, e);
        }
        String problem = MinidiskDirectory.mismatch(disk.getSource(), source, "source");
        if (problem == null) {
            problem = MinidiskDirectory.mismatch(disk.getTarget(), target, "target");
        }
        if (problem == null && target.length() < source.length()) {
            problem = "has a target of " + target.length() + " bytes, smaller than its source (" + source.length() + ")";
        }
        if (problem == null && overlap(source, target)) {
            problem = "has a target that overlaps its source";
        }
        return Optional.ofNullable(problem);
    }

    private static boolean overlap(FileRegion a, FileRegion b) {
        return a.path().equals(b.path()) && a.offset() < b.offset() + b.length() && b.offset() < a.offset() + a.length();
    }

    @Override
    public AttachedDisk attach(DiskExtent extent, Mode mode) throws DiskAccessException {
        String disk = extent.getOwner() + " " + extent.getVaddr();
        FileRegion region;
        try {
            region = directory.locate(Userid.of(extent.getOwner()), Vaddr.of(extent.getVaddr()));
        } catch (MinidiskDirectory.NoSuchMinidisk | IllegalArgumentException e) {
            throw new DiskAccessException("minidisk " + disk + " cannot be attached: " + e.getMessage(), false, e);
        } catch (SimulationException e) {
            throw new DiskAccessException("minidisk " + disk + " has no bytes: " + e.getMessage(), false, e);
        } catch (IOException e) {
            throw new DiskAccessException("cannot read the CP directory " + directory.directoryFile() + " to find "
                    + disk + ": " + e, true, e);
        }
        String problem = MinidiskDirectory.mismatch(extent, region, mode == Mode.READ ? "source" : "target");
        if (problem != null) {
            throw new DiskAccessException("minidisk " + disk + " is not where the request says: the request " + problem,
                    false);
        }
        return new AttachedDisk(extent, mode, region, Optional.empty());
    }

    @Override
    public void release(AttachedDisk disk) {
        // nothing attached: the copy engine forced the target's bytes already
    }

    @Override
    public boolean canFlashcopy() {
        return false;
    }

    @Override
    public void flashcopy(AttachedDisk source, AttachedDisk target) throws DiskAccessException {
        throw new DiskAccessException("FLASHCOPY of " + source.describe() + " to " + target.describe()
                + " is not available with the volumes disk access (no CP)", false);
    }

    @Override
    public void formatTarget(AttachedDisk target, Consumer<String> progress) {
        // a volume image holds the bytes as Linux reads them: nothing to format
    }

    @Override
    public void reconcile() {
        // nothing is ever left attached
    }

    @Override
    public void close() {
    }
}
