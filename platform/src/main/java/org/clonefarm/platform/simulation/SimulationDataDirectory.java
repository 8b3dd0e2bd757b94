package org.clonefarm.platform.simulation;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.clonefarm.platform.allocation.ExtentAllocator;
import org.clonefarm.platform.allocation.ExtentControl;
import org.clonefarm.platform.allocation.Group;
import org.clonefarm.platform.allocation.Region;
import org.clonefarm.platform.allocation.VolumeSpace;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.MdiskLocation;
import org.clonefarm.platform.directory.MdiskStatement;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.volume.Volume;
import org.clonefarm.platform.volume.VolumeImage;

/**
 * The layout of a local simulation data directory, a small z/VM system on disk:
 *
 * <pre>
 * &lt;data&gt;/volumes/&lt;VOLSER&gt;.img        a volume: sparse file of the volume's real size
 * &lt;data&gt;/directory/USER.DIRECT       the CP directory
 * &lt;data&gt;/directory/EXTENT.CONTROL    regions and groups to allocate minidisks from (DirMaint format)
 * &lt;data&gt;/vdisks/&lt;USERID&gt;-&lt;VADDR&gt;.img  a V-DISK while the simulated CP keeps it (see SimulatedCp)
 * &lt;data&gt;/cp/state, cp/lock          the simulated CP's logons and links, shared by every process (SimulatedCp)
 * &lt;data&gt;/run/by-path/&lt;USERID&gt;/ccw-0.0.VDEV  a device online in a guest: link to its loop device (SimulatedCcwBus)
 * </pre>
 *
 * <p>A volume's device type and size come from its EXTENT.CONTROL region (every volume of the
 * simulation has one, in a group or not); a minidisk {@code start size} on it is bytes
 * {@code start x unit} to {@code (start + size) x unit} of its image, where the unit is 737,280
 * bytes per 3390 cylinder and 512 per FB-512 block
 * ({@link org.clonefarm.platform.geometry.Dasd3390}).
 *
 * <p>Stateless apart from its root: every call reads the files afresh, so it is thread-safe, but
 * concurrent writers of the same file must coordinate (the coordinator is the one writer).
 */
public final class SimulationDataDirectory {

    private final Path root;

    private SimulationDataDirectory(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The data directory at {@code root} (it need not exist yet). */
    public static SimulationDataDirectory at(Path root) {
        return new SimulationDataDirectory(root);
    }

    /** The data directory's root. */
    public Path root() {
        return root;
    }

    /** {@code <data>/volumes}. */
    public Path volumesDir() {
        return root.resolve("volumes");
    }

    /** {@code <data>/volumes/<VOLSER>.img}. */
    public Path volumeImage(Volser volser) {
        return volumesDir().resolve(volser.value() + ".img");
    }

    /** {@code <data>/vdisks/<USERID>-<VADDR>.img}: a V-DISK's bytes while the simulated CP keeps it. */
    public Path vdiskImage(Userid userid, Vaddr vaddr) {
        return root.resolve("vdisks").resolve(userid.value() + "-" + vaddr.value() + ".img");
    }

    /** {@code <data>/directory/USER.DIRECT}. */
    public Path directoryFile() {
        return root.resolve("directory").resolve("USER.DIRECT");
    }

    /** {@code <data>/directory/EXTENT.CONTROL}. */
    public Path extentControlFile() {
        return root.resolve("directory").resolve("EXTENT.CONTROL");
    }

    /** Reads the CP directory; an absent file is an empty directory. */
    public UserDirectory readDirectory() throws IOException {
        try {
            return UserDirectory.read(directoryFile());
        } catch (NoSuchFileException e) {
            return UserDirectory.empty();
        }
    }

    /** Replaces the CP directory, atomically and durably. */
    public void writeDirectory(UserDirectory directory) throws IOException {
        directory.write(directoryFile());
    }

    /** Reads EXTENT.CONTROL; an absent file has no regions and no groups. */
    public ExtentControl readExtentControl() throws IOException {
        try {
            return ExtentControl.read(extentControlFile());
        } catch (NoSuchFileException e) {
            return ExtentControl.empty();
        }
    }

    /** Replaces EXTENT.CONTROL, atomically and durably. */
    public void writeExtentControl(ExtentControl control) throws IOException {
        control.write(extentControlFile());
    }

    /**
     * Creates a volume: its sparse image, and a whole-volume region in EXTENT.CONTROL added to
     * {@code group} ({@code null}: in no group, so never allocated from, as for a master's volume).
     *
     * @throws SimulationException if the volume exists already (image or region)
     */
    public Volume createVolume(Volser volser, DeviceType type, long size, String group) throws IOException {
        Volume volume = new Volume(volser, type, size);
        ExtentControl control = readExtentControl();
        if (control.volumes().containsKey(volser) || Files.exists(volumeImage(volser))) {
            throw new SimulationException("volume " + volser + " exists already in " + root + "; pick another volser");
        }
        VolumeImage.create(volumeImage(volser), volume);
        writeExtentControl(control.withVolume(volume, group));
        return volume;
    }

    /** Volumes by volser, as EXTENT.CONTROL declares them. */
    public Map<Volser, Volume> volumes() throws IOException {
        return readExtentControl().volumes();
    }

    /**
     * The bytes of {@code userid}'s minidisk {@code vaddr}: its volume image, offset and length.
     * Reads the directory; to resolve many, read it once and use
     * {@link #resolve(UserDirectory, Map, Userid, Vaddr)}.
     */
    public FileRegion resolve(Userid userid, Vaddr vaddr) throws IOException {
        return resolve(readDirectory(), volumes(), userid, vaddr);
    }

    /**
     * The bytes of a minidisk given an already loaded directory and volume table (no file reads
     * besides the image's size when the size is {@code END} or the volume is undeclared).
     *
     * @throws SimulationException naming the userid, vaddr or volume when there are no such bytes
     */
    public FileRegion resolve(UserDirectory directory, Map<Volser, Volume> volumes, Userid userid, Vaddr vaddr) {
        DirectoryEntry entry = directory.entry(userid).orElseThrow(() -> new SimulationException(
                userid + " has no entry in " + directoryFile() + "; check the userid"));
        MdiskStatement mdisk = directory.minidisk(userid, vaddr).orElseThrow(() -> new SimulationException(
                userid + " has no minidisk " + vaddr + " (its minidisks: " + entry.minidisks().stream()
                        .map(m -> m.vaddr().value()).collect(Collectors.joining(" ")) + ")"));
        MdiskLocation location = mdisk.location();
        if (!(location instanceof MdiskLocation.OnVolume on)) {
            String kind = location instanceof MdiskLocation.VDisk ? "a V-DISK, in CP storage rather than on a volume"
                    : location instanceof MdiskLocation.TDisk ? "a T-DISK, created at logon"
                    : location instanceof MdiskLocation.Devno ? "a whole real device (DEVNO), which the simulation does not have"
                    : "an AUTOG size not yet allocated";
            throw new SimulationException(userid + " " + vaddr + " is " + kind + ": it has no bytes in a volume image");
        }
        if (!Volser.isValid(on.volid())) {
            throw new SimulationException(userid + " " + vaddr + " is on " + on.volid() + ", which is not a volume of the simulation");
        }
        Volser volser = new Volser(on.volid());
        Path image = volumeImage(volser);
        if (!Files.isRegularFile(image)) {
            throw new SimulationException(userid + " " + vaddr + " is on volume " + volser + ", whose image " + image
                    + " does not exist; create the volume first");
        }
        long imageBytes = VolumeImage.size(image);
        Volume volume = volumes.get(volser);
        long unitBytes = mdisk.deviceType().bytesPerUnit();
        if (volume != null && volume.deviceType() != mdisk.deviceType()) {
            throw new SimulationException(userid + " " + vaddr + " is a " + mdisk.deviceType().directoryName()
                    + " minidisk on " + volume + ", a volume of another device type");
        }
        long volumeUnits = volume != null ? volume.size() : imageBytes / unitBytes;
        long size = on.size() == MdiskLocation.END ? volumeUnits - on.start() : on.size();
        if (size < 1 || on.start() + size > volumeUnits) {
            throw new SimulationException(userid + " " + vaddr + " (" + mdisk.deviceType().units(size) + " from " + on.start()
                    + ") runs past the end of volume " + volser + " (" + mdisk.deviceType().units(volumeUnits) + ")");
        }
        long offset = mdisk.deviceType().toBytes(on.start());
        long length = mdisk.deviceType().toBytes(size);
        if (offset + length > imageBytes) {
            throw new SimulationException(userid + " " + vaddr + " ends at byte " + (offset + length) + " but image " + image
                    + " has only " + imageBytes + " bytes");
        }
        return new FileRegion(image, offset, length);
    }

    /**
     * Every volume of the data directory (declared in EXTENT.CONTROL or present as an image), with
     * free space computed against the CP directory, and what is wrong with it.
     */
    public List<VolumeStatus> volumeStatus() throws IOException {
        ExtentControl control = readExtentControl();
        UserDirectory directory = readDirectory();
        Map<Volser, Path> images = new TreeMap<>();
        if (Files.isDirectory(volumesDir())) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(volumesDir(), "*.img")) {
                for (Path file : files) {
                    String name = file.getFileName().toString();
                    String volser = name.substring(0, name.length() - ".img".length());
                    if (Volser.isValid(volser)) {
                        images.put(new Volser(volser), file);
                    }
                }
            }
        }
        Map<Volser, VolumeSpace> spaces = new LinkedHashMap<>();
        for (VolumeSpace space : new ExtentAllocator(control, directory).volumeSpace()) {
            spaces.put(space.volume().volser(), space);
        }
        Map<Volser, List<String>> groups = new TreeMap<>();
        for (Group group : control.groups().values()) {
            for (String id : group.regionIds()) {
                Optional<Region> region = control.region(id);
                region.ifPresent(r -> {
                    List<String> names = groups.computeIfAbsent(r.volser(), v -> new ArrayList<>());
                    if (!names.contains(group.name())) {
                        names.add(group.name());
                    }
                });
            }
        }
        Map<Volser, Boolean> all = new TreeMap<>();
        control.volumes().keySet().forEach(v -> all.put(v, true));
        images.keySet().forEach(v -> all.putIfAbsent(v, false));
        List<VolumeStatus> result = new ArrayList<>();
        for (Volser volser : all.keySet()) {
            Path image = images.getOrDefault(volser, volumeImage(volser));
            long bytes = Files.isRegularFile(image) ? VolumeImage.size(image) : -1;
            List<String> problems = new ArrayList<>();
            Volume volume = control.volumes().get(volser);
            if (bytes < 0) {
                problems.add("image " + image + " is missing");
            }
            if (volume == null) {
                problems.add("not declared in " + extentControlFile() + ": its device type and size are unknown");
            } else if (bytes >= 0 && bytes != volume.sizeBytes()) {
                problems.add("image has " + bytes + " bytes, but a " + volume + " has " + volume.sizeBytes());
            }
            result.add(new VolumeStatus(volser, image, bytes, Optional.ofNullable(spaces.get(volser)),
                    groups.getOrDefault(volser, List.of()), problems));
        }
        return result;
    }
}
