package org.clonefarm.platform.simulation;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;
import org.clonefarm.platform.cp.CcwBus;
import org.clonefarm.platform.cp.CpException;
import org.clonefarm.platform.cp.LinkedMinidisk;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.io.DurableFiles;
import org.clonefarm.platform.io.FileLocks;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.HostTool;

/**
 * The channel subsystem of one simulated guest ({@code self}): a device it has LINKed in the
 * {@link SimulatedCp} is set online by attaching a real loop device over the minidisk's bytes
 * ({@code losetup --find --show --offset O --sizelimit L --direct-io=on IMAGE} when CP granted R/W,
 * {@code ... --read-only IMAGE} otherwise) and linking it as {@code <by-path root>/<USERID>/ccw-0.0.vdev -> /dev/loopN}
 * (default root {@code <data>/run/by-path}; one directory per user, since each guest has its own
 * {@code /dev}; never the host's {@code /dev/disk/by-path}). Offline detaches the loop device and
 * removes the link. A writable link does direct I/O on the image (the worker's writes and forces reach it, no
 * second copy in the page cache); a read-only one reads through the host's page cache of the image, which is
 * what z/VM's minidisk cache is for a shared R/O minidisk: a master read by clone after clone (each copy LINKs
 * it anew, so a new loop device) is read from the disk once. Measured with {@code clonefarm copy} of 1 GiB from a
 * read-only loop device to a direct one: 638-872 MiB/s with direct I/O on the source, 1012-1271 buffered.
 *
 * <p>For the local simulation only: a worker's main code takes a {@link CcwBus} and never names this
 * class (the command line wires it). Needs root (loop devices).
 *
 * <p><b>State.</b> The by-path links are the state: a restarted worker sees what is online, and
 * {@link #reconcile()} releases what a killed process left (links whose loop device is gone or whose
 * vdev is no longer linked in CP, loop devices a crash left between {@code losetup} and the link).
 * Loop devices this class did not attach (the guest runtime's mounts) are never touched.
 *
 * <p>Thread- and process-safe: every change holds an in-JVM lock and a {@link FileLock} on
 * {@code <by-path root>/.lock}.
 */
public final class SimulatedCcwBus implements CcwBus {
    /** How long a command waits for another process's use of the state to end. */
    private static final java.time.Duration LOCK_TIMEOUT = java.time.Duration.ofSeconds(60);

    private static final ConcurrentMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    private static final String INTENT_SUFFIX = ".attaching";
    private static final int SETUP_TRIES = 5;

    /**
     * Where the links live and how losetup runs. Immutable.
     *
     * @param byPathRoot the directory of the per-user by-path directories
     * @param losetup util-linux's {@code losetup} (a bare name is looked up on PATH)
     * @param sysBlock the kernel's {@code /sys/block}, where a loop device's backing file, offset and size are read
     * @param commandTimeout how long one losetup may run before it is killed
     */
    public record Settings(Path byPathRoot, Path losetup, Path sysBlock, Duration commandTimeout) {
        public Settings {
            byPathRoot = byPathRoot.toAbsolutePath().normalize();
            Objects.requireNonNull(losetup, "losetup");
            Objects.requireNonNull(sysBlock, "sysBlock");
            Objects.requireNonNull(commandTimeout, "commandTimeout");
        }

        /** {@code <data>/run/by-path}, {@code losetup} on PATH, {@code /sys/block}, 60 s. */
        public static Settings of(SimulationDataDirectory data) {
            return new Settings(defaultByPathRoot(data), Path.of("losetup"), Path.of("/sys/block"), Duration.ofSeconds(60));
        }

        public Settings withByPathRoot(Path value) {
            return new Settings(value, losetup, sysBlock, commandTimeout);
        }
    }

    /** What a loop device is attached to. */
    private record Loop(String device, Path backingFile, long offset, long sizeLimit) {
        /** Whether it is over exactly these bytes (sysfs shows the backing file's real path). */
        boolean over(FileRegion region) {
            return backingFile.equals(realPath(region.path())) && offset == region.offset() && sizeLimit == region.length();
        }
    }

    private final SimulatedCp system;
    private final Userid self;
    private final Settings settings;
    private final Path dataRoot;

    /** The bus of guest {@code self} with {@link Settings#of the default settings}. */
    public SimulatedCcwBus(SimulatedCp system, Userid self) {
        this(system, self, Settings.of(system.data()));
    }

    public SimulatedCcwBus(SimulatedCp system, Userid self, Settings settings) {
        this.system = Objects.requireNonNull(system, "system");
        this.self = Objects.requireNonNull(self, "self");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.dataRoot = realPath(system.data().root());
    }

    /** The path with symbolic links resolved, as the kernel shows a loop device's file; as given when it does not exist. */
    private static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    /** {@code <data>/run/by-path}: the default root of the by-path directories. */
    public static Path defaultByPathRoot(SimulationDataDirectory data) {
        return data.root().resolve("run").resolve("by-path");
    }

    /** {@code <by-path root>/<USERID>}: this guest's by-path directory. */
    public Path byPathDirectory() {
        return settings.byPathRoot().resolve(self.value());
    }

    /** The guest this bus belongs to. */
    public Userid self() {
        return self;
    }

    /** Checks that the device exists (this user has something linked there); there is no ignore list to change. */
    @Override
    public void unignore(Vaddr vdev) throws CcwException {
        linked(vdev);
    }

    @Override
    public Path online(Vaddr vdev, Duration timeout) throws CcwException {
        return locked("set online " + CcwBus.busId(vdev), () -> {
            LinkedMinidisk disk = linked(vdev);
            Path link = byPath(vdev);
            Optional<Loop> current = currentLoop(link);
            if (current.isPresent() && current.get().over(disk.region())) {
                return link;
            }
            release(link, current);
            Files.createDirectories(byPathDirectory());
            Path intent = intentFile(link);
            DurableFiles.replace(intent, (disk.region().path() + "\n" + disk.region().offset() + "\n" + disk.region().length() + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            String device = attach(vdev, disk);
            try {
                Path temp = link.resolveSibling("." + link.getFileName() + ".tmp");
                Files.deleteIfExists(temp);
                Files.createSymbolicLink(temp, Path.of(device));
                Files.move(temp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                DurableFiles.forceDirectory(link.getParent());
            } catch (IOException e) {
                try {
                    detach(device);
                } catch (CcwException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            Files.deleteIfExists(intent);
            return link;
        });
    }

    @Override
    public void offline(Vaddr vdev) throws CcwException {
        locked("set offline " + CcwBus.busId(vdev), () -> {
            Path link = byPath(vdev);
            release(link, currentLoop(link));
            return null;
        });
    }

    /**
     * Sets every device of this guest offline (a worker that stops).
     *
     * @return the devices that were online
     */
    public List<Vaddr> offlineAll() throws CcwException {
        List<Vaddr> released = new ArrayList<>();
        List<Path> online;
        try {
            online = links(byPathDirectory());
        } catch (IOException e) {
            throw new CcwException("cannot list the devices online in " + byPathDirectory() + ": " + e.getMessage(), false, e);
        }
        for (Path link : online) {
            Vaddr vdev = vdevOf(link);
            offline(vdev);
            released.add(vdev);
        }
        return released;
    }

    @Override
    public boolean isOnline(Vaddr vdev) {
        try {
            return currentLoop(byPath(vdev)).isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Path byPath(Vaddr vdev) {
        return byPathDirectory().resolve("ccw-" + CcwBus.busId(vdev));
    }

    /**
     * Releases what no guest holds any more, for every user of the by-path root: a link whose loop device
     * is gone or no longer over the minidisk its user has linked at that vdev (the user DETACHed it, or
     * logged off) loses its loop device and the link; a loop device over the data directory that a
     * process killed between {@code losetup} and the link left (its intent file says which bytes) is
     * detached unless it is mounted or linked.
     *
     * @return what was released, one line each
     */
    public List<String> reconcile() throws CcwException {
        return locked("reconcile " + settings.byPathRoot(), () -> {
            List<String> released = new ArrayList<>();
            Set<String> linkedDevices = new HashSet<>();
            for (Path userDir : directories(settings.byPathRoot())) {
                if (!Userid.isValid(userDir.getFileName().toString())) {
                    continue;
                }
                Userid user = Userid.of(userDir.getFileName().toString());
                for (Path link : links(userDir)) {
                    Vaddr vdev = vdevOf(link);
                    Optional<Loop> loop = currentLoop(link);
                    Optional<LinkedMinidisk> disk = cpLinked(user, vdev);
                    if (loop.isPresent() && disk.isPresent() && loop.get().over(disk.get().region())) {
                        linkedDevices.add(loop.get().device());
                        continue;
                    }
                    release(link, loop);
                    released.add(link + (loop.isPresent() ? " and " + loop.get().device() : "") + ": "
                            + (disk.isEmpty() ? user + " has nothing linked at " + vdev : "its loop device is gone or over other bytes"));
                }
                for (Path intent : intents(userDir)) {
                    List<String> lines = Files.readAllLines(intent, StandardCharsets.UTF_8);
                    if (lines.size() >= 3) {
                        FileRegion region = new FileRegion(Path.of(lines.get(0)), Long.parseLong(lines.get(1)), Long.parseLong(lines.get(2)));
                        for (Loop loop : loops()) {
                            if (loop.over(region) && !linkedDevices.contains(loop.device()) && !inUse(loop.device())) {
                                detach(loop.device());
                                released.add(loop.device() + " over " + region + ": left by an interrupted online");
                            }
                        }
                    }
                    Files.deleteIfExists(intent);
                }
            }
            return released;
        });
    }

    // ---- the steps, called holding the lock ----

    private LinkedMinidisk linked(Vaddr vdev) throws CcwException {
        return cpLinked(self, vdev).orElseThrow(() -> new CcwException("Device " + CcwBus.busId(vdev) + " not found: " + self
                + " has no minidisk linked at " + vdev + "; LINK one there first (vmcp link OWNER VADDR " + vdev + " MR)", false));
    }

    private Optional<LinkedMinidisk> cpLinked(Userid user, Vaddr vdev) throws CcwException {
        try {
            return system.linked(user, vdev);
        } catch (CpException e) {
            throw new CcwException("cannot ask the simulated CP what " + user + " has linked at " + vdev + ": " + e.getMessage(), false, e);
        }
    }

    private String attach(Vaddr vdev, LinkedMinidisk disk) throws CcwException, IOException {
        FileRegion region = disk.region();
        boolean directIo = disk.write(); // a read-only link reads through the page cache (the class's comment)
        HostTool.Result result = null;
        for (int attempt = 1; attempt <= SETUP_TRIES; attempt++) {
            List<String> command = new ArrayList<>(List.of(settings.losetup().toString(), "--find", "--show", "--offset",
                    Long.toString(region.offset()), "--sizelimit", Long.toString(region.length())));
            if (!disk.write()) {
                command.add("--read-only");
            }
            if (directIo) {
                command.add("--direct-io=on");
            }
            command.add(region.path().toString());
            result = losetup(command, "set online " + CcwBus.busId(vdev));
            String device = result.stdout().strip();
            if (result.ok() && device.startsWith("/dev/")) {
                return device;
            }
            if (result.stderr().toLowerCase(java.util.Locale.ROOT).contains("direct")) {
                directIo = false; // the file system of the image cannot do O_DIRECT: buffered is correct too
            }
            // another process may have taken the free device between find and set-up: try again
            try {
                Thread.sleep(50L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CcwException("interrupted while attaching a loop device for " + region, true, e);
            }
        }
        throw new CcwException("cannot set device " + CcwBus.busId(vdev) + " online: no loop device over " + region + ": "
                + result.describe() + "; check 'losetup -a' for free loop devices (root needed)", true);
    }

    /** Detaches the link's loop device when it is over the data directory, then removes the link. */
    private void release(Path link, Optional<Loop> loop) throws CcwException, IOException {
        if (loop.isPresent() && loop.get().backingFile().startsWith(dataRoot)) {
            detach(loop.get().device());
        }
        Files.deleteIfExists(link);
        Files.deleteIfExists(intentFile(link));
    }

    private void detach(String device) throws CcwException {
        HostTool.Result result = losetup(List.of(settings.losetup().toString(), "--detach", device), "detach " + device);
        if (!result.ok()) {
            throw new CcwException("cannot detach " + device + ": " + result.describe() + "; is it still mounted or open?", true);
        }
    }

    private HostTool.Result losetup(List<String> command, String step) throws CcwException {
        try {
            return HostTool.run(command, settings.commandTimeout());
        } catch (InterruptedIOException e) {
            throw new CcwException("cannot " + step + ": " + e.getMessage(), true, e);
        } catch (IOException e) {
            throw new CcwException("cannot " + step + ": cannot run " + command.get(0) + " (" + e.getMessage()
                    + "); install util-linux", false, e);
        }
    }

    /** The loop device a by-path link points to, if the link exists and the device is attached. */
    private Optional<Loop> currentLoop(Path link) throws IOException {
        if (!Files.isSymbolicLink(link)) {
            return Optional.empty();
        }
        String device = Files.readSymbolicLink(link).toString();
        return loop(device);
    }

    private Optional<Loop> loop(String device) throws IOException {
        String name = Path.of(device).getFileName().toString();
        Path dir = settings.sysBlock().resolve(name).resolve("loop");
        try {
            String backing = Files.readString(dir.resolve("backing_file"), StandardCharsets.UTF_8).strip();
            if (backing.endsWith(" (deleted)")) {
                backing = backing.substring(0, backing.length() - " (deleted)".length());
            }
            long offset = Long.parseLong(Files.readString(dir.resolve("offset"), StandardCharsets.UTF_8).strip());
            long size = Long.parseLong(Files.readString(dir.resolve("sizelimit"), StandardCharsets.UTF_8).strip());
            return Optional.of(new Loop("/dev/" + name, Path.of(backing), offset, size));
        } catch (NoSuchFileException e) {
            return Optional.empty(); // not attached
        }
    }

    /** Every attached loop device. */
    private List<Loop> loops() throws IOException {
        List<Loop> all = new ArrayList<>();
        try (DirectoryStream<Path> devices = Files.newDirectoryStream(settings.sysBlock(), "loop*")) {
            for (Path device : devices) {
                loop("/dev/" + device.getFileName()).ifPresent(all::add);
            }
        }
        return all;
    }

    /** Whether a loop device is mounted or held by another device (device mapper, md). */
    private boolean inUse(String device) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
            if (line.startsWith(device + " ")) {
                return true;
            }
        }
        Path holders = settings.sysBlock().resolve(Path.of(device).getFileName()).resolve("holders");
        if (Files.isDirectory(holders)) {
            try (var entries = Files.list(holders)) {
                return entries.findAny().isPresent();
            }
        }
        return false;
    }

    private static Path intentFile(Path link) {
        return link.resolveSibling("." + link.getFileName() + INTENT_SUFFIX);
    }

    private static Vaddr vdevOf(Path link) {
        String name = link.getFileName().toString();
        return Vaddr.of(name.substring(name.lastIndexOf('.') + 1));
    }

    private static List<Path> links(Path dir) throws IOException {
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "ccw-0.0.*")) {
                entries.forEach(found::add);
            }
        }
        found.sort(null);
        return found;
    }

    private static List<Path> intents(Path dir) throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, ".ccw-0.0.*" + INTENT_SUFFIX)) {
            entries.forEach(found::add);
        }
        return found;
    }

    private static List<Path> directories(Path dir) throws IOException {
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
                entries.forEach(found::add);
            }
        }
        found.sort(null);
        return found;
    }

    @FunctionalInterface
    private interface Step<T> {
        T run() throws CcwException, IOException;
    }

    private <T> T locked(String what, Step<T> step) throws CcwException {
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(settings.byPathRoot(), root -> new ReentrantLock());
        jvmLock.lock();
        try {
            Files.createDirectories(settings.byPathRoot());
            try (FileChannel channel = FileChannel.open(settings.byPathRoot().resolve(".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock lock = FileLocks.acquire(channel, LOCK_TIMEOUT)) {
                return step.run();
            }
        } catch (IOException e) {
            throw new CcwException("cannot " + what + " for " + self + " under " + settings.byPathRoot() + ": " + e.getMessage(), false, e);
        } finally {
            jvmLock.unlock();
        }
    }
}
