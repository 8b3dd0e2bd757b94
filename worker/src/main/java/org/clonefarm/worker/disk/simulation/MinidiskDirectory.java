package org.clonefarm.worker.disk.simulation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Objects;
import org.clonefarm.platform.directory.MdiskLocation;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.platform.volume.Volume;
import org.clonefarm.proto.DiskExtent;

/**
 * Where a minidisk's bytes are, as the CP directory of the local simulation says: the worker copies
 * (owner, vaddr) to (owner, vaddr), the way a LINK names a disk on z/VM, and never trusts byte offsets
 * it was handed. The directory and the volume table are read again only when their files changed
 * (size or modification time), so checking every request of a batch costs one parse.
 *
 * <p>Thread-safety: {@link #locate} is synchronized (the poll loop's verifier and the copies' {@link
 * VolumeImageAccess} call it).
 */
public final class MinidiskDirectory {
    private final SimulationDataDirectory data;
    private Object directoryStamp;
    private Object controlStamp;
    private UserDirectory directory;
    private Map<Volser, Volume> volumes;

    public MinidiskDirectory(SimulationDataDirectory data) {
        this.data = Objects.requireNonNull(data, "data");
    }

    /** The CP directory file it reads, for messages. */
    public Path directoryFile() {
        return data.directoryFile();
    }

    /**
     * The bytes of {@code owner}'s minidisk {@code vaddr}.
     *
     * @throws NoSuchMinidisk when the directory has no such minidisk on a volume: nobody may write there
     * @throws org.clonefarm.platform.simulation.SimulationException when the directory has the minidisk
     *     but its bytes are not there (a missing volume image, an extent past its end)
     * @throws IOException when the directory or the volume table cannot be read
     */
    public synchronized FileRegion locate(Userid owner, Vaddr vaddr) throws IOException, NoSuchMinidisk {
        Object directoryNow = stamp(data.directoryFile());
        if (directory == null || !directoryNow.equals(directoryStamp)) {
            directory = data.readDirectory();
            directoryStamp = directoryNow;
        }
        Object controlNow = stamp(data.extentControlFile());
        if (volumes == null || !controlNow.equals(controlStamp)) {
            volumes = data.volumes();
            controlStamp = controlNow;
        }
        boolean onVolume = directory.minidisk(owner, vaddr)
                .map(mdisk -> mdisk.location() instanceof MdiskLocation.OnVolume).orElse(false);
        if (!onVolume) {
            throw new NoSuchMinidisk(owner + " has no minidisk " + vaddr + " on a volume in the CP directory "
                    + data.directoryFile());
        }
        return data.resolve(directory, volumes, owner, vaddr);
    }

    /**
     * Why a request's extent is not the directory's bytes of that minidisk ({@code actual}, from {@link
     * #locate}), or null when it is: the same volume, offset and length.
     *
     * @param which {@code source} or {@code target}, for the message
     */
    public static String mismatch(DiskExtent claimed, FileRegion actual, String which) {
        String volume = actual.path().getFileName().toString();
        boolean sameVolume = volume.equals(claimed.getVolser() + ".img");
        if (!sameVolume || claimed.getByteOffset() != actual.offset() || claimed.getByteLength() != actual.length()) {
            return "names " + which + " " + claimed.getOwner() + " " + claimed.getVaddr() + " as bytes "
                    + claimed.getByteOffset() + "+" + claimed.getByteLength() + " of " + claimed.getVolser()
                    + ", but the CP directory puts it at " + actual.offset() + "+" + actual.length() + " of " + volume;
        }
        return null;
    }

    /** The CP directory gives the user no such minidisk on a volume. */
    public static final class NoSuchMinidisk extends Exception {
        private static final long serialVersionUID = 1L;

        NoSuchMinidisk(String message) {
            super(message);
        }
    }

    private static Object stamp(Path file) throws IOException {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return java.util.List.of(attributes.size(), attributes.lastModifiedTime(), attributes.fileKey() == null
                    ? "" : attributes.fileKey());
        } catch (NoSuchFileException e) {
            return "absent";
        }
    }
}
