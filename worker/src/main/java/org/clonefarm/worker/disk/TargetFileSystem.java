package org.clonefarm.worker.disk;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.clonefarm.platform.geometry.Dasd3390;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.proto.DeviceType;

/**
 * The Linux file system on a target minidisk the worker has attached read/write, mounted on the worker's
 * host so the worker can put a file into it after the copy (the clone's key, {@code CloneKeySeeder}).
 *
 * <p>Where the file system starts: at the minidisk's first byte (an FBA disk, or an ECKD disk as the
 * simulation lays it out), or, on a CDL-formatted 3390, in its first partition, two tracks in (2 x 12
 * blocks of 4 KiB); {@link #fileSystemStart} looks for an ext2/3/4 or XFS superblock at those places, so
 * no partition table has to be re-read after the raw copy wrote one. How it is mounted: the block device
 * itself when the file system fills it from byte 0 (the cp path), otherwise a loop device of its own over
 * the byte range ({@code losetup --offset --sizelimit}: a volume image extent, or a partition of a block
 * device), then {@code mount -o nodev,nosuid,noexec}, the type as the kernel detects it.
 *
 * <p>Why mount rather than {@code debugfs -w}: the kernel replays the journal of a file system copied from
 * a master that was not cleanly unmounted before it changes anything (debugfs writes beside the journal,
 * and a replay at the clone's first boot would put old metadata blocks back over the new file); any file
 * system type the kernel mounts works (ext4 and XFS /var alike); and each step has an exit status
 * (debugfs exits 0 when a request inside it failed).
 *
 * <p>{@link #close()} unmounts (retrying while busy), detaches the loop device, then forces the device or
 * image file, so what was written is on the disk when it returns; it runs on every path. A worker killed
 * while a file system was mounted leaves it mounted: {@link #releaseLeftovers} at the next start releases
 * what is mounted under the worker's mount directory. Needs root (mount, losetup). Not thread-safe: one
 * owner per mount point.
 */
public final class TargetFileSystem implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int LOOP_SETUP_TRIES = 5;
    /** Where fdasd puts the first partition of a CDL 3390: track 2, 12 blocks of 4 KiB per track. */
    static final long CDL_FIRST_PARTITION = 2L * Dasd3390.BLOCKS_PER_TRACK * Dasd3390.BLOCK_SIZE;
    private static final int EXT_MAGIC_OFFSET = 1024 + 0x38;
    private static final int EXT_MAGIC = 0xEF53;
    private static final byte[] XFS_MAGIC = "XFSB".getBytes(StandardCharsets.US_ASCII);

    private final AttachedDisk disk;
    private final FileRegion fileSystem;
    private final Path mountPoint;
    private final String loopDevice;
    private boolean closed;

    private TargetFileSystem(AttachedDisk disk, FileRegion fileSystem, Path mountPoint, String loopDevice) {
        this.disk = disk;
        this.fileSystem = fileSystem;
        this.mountPoint = mountPoint;
        this.loopDevice = loopDevice;
    }

    /**
     * Mounts the file system of an attached target read/write at {@code mountPoint} (created if missing,
     * it must be empty).
     *
     * @throws DiskAccessException naming the disk: no file system found (not retryable), or the loop
     *     device or the mount failed (retryable); nothing stays mounted or attached then
     */
    public static TargetFileSystem mount(AttachedDisk target, Path mountPoint) throws DiskAccessException {
        Objects.requireNonNull(target, "target");
        if (target.mode() != MinidiskAccess.Mode.WRITE) {
            throw new IllegalArgumentException(target.describe() + " is attached read-only: its file system cannot be written");
        }
        FileRegion region = target.region();
        if (region.toEnd()) {
            throw new IllegalArgumentException("a target's region has a length: " + region);
        }
        long start;
        try {
            start = fileSystemStart(region, target.extent().getDeviceType()).orElseThrow(() -> new DiskAccessException(
                    target.describe() + " holds no ext2/3/4 or XFS file system (looked at its first byte"
                            + (target.extent().getDeviceType() == DeviceType.DEVICE_TYPE_3390
                                    ? " and its first CDL partition" : "") + " of " + region + ")", false));
        } catch (IOException e) {
            throw new DiskAccessException("cannot read " + target.describe() + " (" + region + ") to find its file system: "
                    + e.getMessage(), true, e);
        }
        FileRegion fileSystem = new FileRegion(region.path(), region.offset() + start, region.length() - start);
        try {
            Files.createDirectories(mountPoint);
        } catch (IOException e) {
            throw new DiskAccessException("cannot create the mount point " + mountPoint + " for " + target.describe()
                    + ": " + e.getMessage(), true, e);
        }
        boolean wholeDevice = fileSystem.offset() == 0 && isBlockDevice(fileSystem.path());
        String loop = wholeDevice ? null : attachLoop(target, fileSystem);
        String device = wholeDevice ? fileSystem.path().toString() : loop;
        Result mounted = exec(List.of("mount", "-o", "nodev,nosuid,noexec", device, mountPoint.toString()));
        if (mounted.exit() != 0) {
            DiskAccessException failure = new DiskAccessException("cannot mount the file system of " + target.describe()
                    + " (" + device + " over " + fileSystem + ") at " + mountPoint + ": " + mounted.output(), true);
            if (loop != null) {
                Result detached = exec(List.of("losetup", "--detach", loop));
                if (detached.exit() != 0) {
                    failure.addSuppressed(new IOException("losetup --detach " + loop + ": " + detached.output()));
                }
            }
            throw failure;
        }
        return new TargetFileSystem(target, fileSystem, mountPoint, loop);
    }

    /** The root directory of the mounted file system. */
    public Path root() {
        return mountPoint;
    }

    /**
     * Where the file system starts in {@code region}: 0, or {@link #CDL_FIRST_PARTITION} on a 3390, the first
     * place with an ext2/3/4 or XFS superblock; empty when neither has one.
     */
    static OptionalLong fileSystemStart(FileRegion region, DeviceType type) throws IOException {
        List<Long> candidates = new ArrayList<>(List.of(0L));
        if (type == DeviceType.DEVICE_TYPE_3390) {
            candidates.add(CDL_FIRST_PARTITION);
        }
        try (FileChannel in = FileChannel.open(region.path(), StandardOpenOption.READ)) {
            for (long start : candidates) {
                if (start + 4096 > region.length()) {
                    continue;
                }
                ByteBuffer head = ByteBuffer.allocate(2048).order(ByteOrder.LITTLE_ENDIAN);
                while (head.hasRemaining() && in.read(head, region.offset() + start + head.position()) > 0) {
                    // read until the 2 KiB are in or the device ends
                }
                if (head.position() < head.capacity()) {
                    continue;
                }
                boolean ext = (head.getShort(EXT_MAGIC_OFFSET) & 0xFFFF) == EXT_MAGIC;
                boolean xfs = head.get(0) == XFS_MAGIC[0] && head.get(1) == XFS_MAGIC[1] && head.get(2) == XFS_MAGIC[2]
                        && head.get(3) == XFS_MAGIC[3];
                if (ext || xfs) {
                    return OptionalLong.of(start);
                }
            }
        }
        return OptionalLong.empty();
    }

    private static boolean isBlockDevice(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode");
            return (mode & 0170000) == 0060000;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private static String attachLoop(AttachedDisk target, FileRegion fileSystem) throws DiskAccessException {
        List<String> command = List.of("losetup", "--find", "--show", "--offset", Long.toString(fileSystem.offset()),
                "--sizelimit", Long.toString(fileSystem.length()), fileSystem.path().toString());
        Result result = null;
        for (int attempt = 1; attempt <= LOOP_SETUP_TRIES; attempt++) {
            result = exec(command);
            if (result.exit() == 0 && result.output().strip().startsWith("/dev/")) {
                return result.output().strip();
            }
            // another process may have taken the free device between find and set-up: try again
            try {
                Thread.sleep(50L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DiskAccessException("interrupted while setting up a loop device for " + target.describe(), true, e);
            }
        }
        throw new DiskAccessException("cannot set up a loop device over " + fileSystem + " for " + target.describe()
                + ": " + result.output(), true);
    }

    /**
     * Unmounts, detaches the loop device and forces the device or image file. Idempotent.
     *
     * @throws DiskAccessException (retryable) when the file system could not be unmounted or the loop device
     *     not detached; the next start's {@link #releaseLeftovers} releases them
     */
    @Override
    public void close() throws DiskAccessException {
        if (closed) {
            return;
        }
        Result unmounted = null;
        for (int attempt = 1; attempt <= 5; attempt++) {
            unmounted = exec(List.of("umount", mountPoint.toString()));
            if (unmounted.exit() == 0) {
                break;
            }
            try {
                Thread.sleep(100L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (unmounted.exit() != 0) {
            throw new DiskAccessException("cannot unmount the file system of " + disk.describe() + " at " + mountPoint
                    + ": " + unmounted.output(), true);
        }
        closed = true;
        if (loopDevice != null) {
            Result detached = exec(List.of("losetup", "--detach", loopDevice));
            if (detached.exit() != 0) {
                throw new DiskAccessException("cannot detach " + loopDevice + " over " + fileSystem + " of "
                        + disk.describe() + ": " + detached.output(), true);
            }
        }
        // a loop device writes through the image file's page cache: force it, as the device on the cp path
        try (FileChannel device = FileChannel.open(fileSystem.path(), StandardOpenOption.READ)) {
            device.force(true);
        } catch (IOException e) {
            throw new DiskAccessException("cannot force " + fileSystem.path() + " after writing the file system of "
                    + disk.describe() + ": " + e.getMessage(), true, e);
        }
        try {
            Files.deleteIfExists(mountPoint);
        } catch (IOException e) {
            // an empty directory left in the worker's mount directory holds nothing
        }
    }

    /**
     * Unmounts every file system mounted under {@code directory} (deepest first) and detaches its loop
     * device: what a worker killed mid-write left. Only for the worker's own mount directory.
     *
     * @return what was released, one line each
     * @throws DiskAccessException naming what could not be released
     */
    public static List<String> releaseLeftovers(Path directory) throws DiskAccessException {
        List<String> released = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return released;
        }
        String prefix;
        List<String> lines;
        try {
            prefix = directory.toRealPath() + "/";
            lines = Files.readAllLines(Path.of("/proc/mounts"));
        } catch (IOException e) {
            throw new DiskAccessException("cannot look for mounts left under " + directory + ": " + e.getMessage(), true, e);
        }
        List<String[]> stale = new ArrayList<>();
        for (String line : lines) {
            String[] fields = line.split(" ");
            if (fields.length > 1 && fields[1].startsWith(prefix)) {
                stale.add(fields);
            }
        }
        stale.sort((a, b) -> Integer.compare(b[1].split("/").length, a[1].split("/").length));
        for (String[] mount : stale) {
            Result result = exec(List.of("umount", mount[1]));
            if (result.exit() != 0) {
                result = exec(List.of("umount", "--lazy", mount[1]));
                if (result.exit() != 0) {
                    throw new DiskAccessException("cannot unmount the leftover " + mount[1] + ": " + result.output(), true);
                }
            }
            released.add("mount " + mount[0] + " on " + mount[1]);
            if (mount[0].startsWith("/dev/loop") && exec(List.of("losetup", "--detach", mount[0])).exit() == 0) {
                released.add("loop device " + mount[0]);
            }
        }
        return released;
    }

    /** A command's exit code and its output (stdout and stderr together). */
    private record Result(int exit, String output) {
    }

    private static Result exec(List<String> command) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Result(-1, "cannot run " + command.get(0) + ": " + e.getMessage());
        }
        try (InputStream out = process.getInputStream()) {
            process.getOutputStream().close();
            byte[] bytes = out.readNBytes(64 * 1024);
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return new Result(-1, String.join(" ", command) + " did not end within " + TIMEOUT.toSeconds() + " s");
            }
            return new Result(process.exitValue(), new String(bytes, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            process.destroyForcibly();
            return new Result(-1, "cannot read the output of " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Result(-1, String.join(" ", command) + " was interrupted");
        }
    }

    @Override
    public String toString() {
        return "TargetFileSystem[" + disk.describe() + " at " + mountPoint + (loopDevice == null ? "" : " via " + loopDevice)
                + "]";
    }
}
