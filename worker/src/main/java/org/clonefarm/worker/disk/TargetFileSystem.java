package org.clonefarm.worker.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import org.clonefarm.platform.geometry.Dasd3390;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.LoopMount;
import org.clonefarm.platform.io.LoopMountException;
import org.clonefarm.proto.DeviceType;

/**
 * The Linux file system on a target minidisk the worker has attached read/write, mounted on the worker's
 * host so the worker can put a file into it after the copy (the clone's key, {@code CloneKeySeeder}).
 *
 * <p>Where the file system starts: at the minidisk's first byte (an FBA disk, or an ECKD disk as the
 * simulation lays it out), or, on a CDL-formatted 3390, in its first partition, two tracks in (2 x 12
 * blocks of 4 KiB); {@link #fileSystemStart} looks for an ext2/3/4 or XFS superblock at those places, so
 * no partition table has to be re-read after the raw copy wrote one. How it is mounted ({@code platform}'s
 * {@link LoopMount}): the block device itself when the file system fills it from byte 0 (the cp path),
 * otherwise a loop device of its own over the byte range ({@code losetup --offset --sizelimit}: a volume
 * image extent, or a partition of a block device), then {@code mount -o nodev,nosuid,noexec}, the type as
 * the kernel detects it.
 *
 * <p>Why mount rather than {@code debugfs -w}: the kernel replays the journal of a file system copied from
 * a master that was not cleanly unmounted before it changes anything (debugfs writes beside the journal,
 * and a replay at the clone's first boot would put old metadata blocks back over the new file); any file
 * system type the kernel mounts works (ext4 and XFS /var alike); and each step has an exit status
 * (debugfs exits 0 when a request inside it failed).
 *
 * <p>{@link #close()} unmounts (retrying while busy, never lazily: a lazy unmount would return before the
 * file system let go of what was written), detaches the loop device, then forces the device or image file,
 * so what was written is on the disk when it returns; it runs on every path. A worker killed
 * while a file system was mounted leaves it mounted: {@link #releaseLeftovers} at the next start releases
 * what is mounted under the worker's mount directory. Needs root (mount, losetup). Not thread-safe: one
 * owner per mount point.
 */
public final class TargetFileSystem implements AutoCloseable {
    /** Read/write, no device files, no set-uid, nothing executable; never unmounted lazily (see {@link #close()}). */
    private static final LoopMount.Options MOUNT_OPTIONS = LoopMount.Options.READ_WRITE
            .withMountOptions("nodev", "nosuid", "noexec").withoutLazyUnmount();
    /** Where fdasd puts the first partition of a CDL 3390: track 2, 12 blocks of 4 KiB per track. */
    static final long CDL_FIRST_PARTITION = 2L * Dasd3390.BLOCKS_PER_TRACK * Dasd3390.BLOCK_SIZE;
    private static final int EXT_MAGIC_OFFSET = 1024 + 0x38;
    private static final int EXT_MAGIC = 0xEF53;
    private static final byte[] XFS_MAGIC = "XFSB".getBytes(StandardCharsets.US_ASCII);

    private final AttachedDisk disk;
    private final FileRegion fileSystem;
    private final LoopMount mount;
    private boolean closed;

    private TargetFileSystem(AttachedDisk disk, FileRegion fileSystem, LoopMount mount) {
        this.disk = disk;
        this.fileSystem = fileSystem;
        this.mount = mount;
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
        boolean wholeDevice = fileSystem.offset() == 0 && isBlockDevice(fileSystem.path());
        try {
            LoopMount mount = wholeDevice ? LoopMount.mountDevice(fileSystem.path(), mountPoint, MOUNT_OPTIONS)
                    : LoopMount.mount(fileSystem, mountPoint, MOUNT_OPTIONS);
            return new TargetFileSystem(target, fileSystem, mount);
        } catch (LoopMountException e) {
            throw failure(e, target, fileSystem, mountPoint);
        }
    }

    /** The root directory of the mounted file system. */
    public Path root() {
        return mount.mountPoint();
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

    /**
     * The worker's sentence for a failed step of a mount, naming the disk. Retryable: a later attempt of the
     * copy may find the device free or the file system copied whole (a disk that holds no file system at all
     * was refused before anything was mounted, as not retryable).
     */
    private static DiskAccessException failure(LoopMountException e, AttachedDisk disk, FileRegion fileSystem,
            Path mountPoint) {
        Path device = e.device().orElse(fileSystem.path());
        String sentence = switch (e.step()) {
            case CREATE_MOUNT_POINT -> "cannot create the mount point " + mountPoint + " for " + disk.describe();
            case ATTACH -> "cannot set up a loop device over " + fileSystem + " for " + disk.describe();
            case MOUNT -> "cannot mount the file system of " + disk.describe() + " (" + device + " over " + fileSystem
                    + ") at " + mountPoint;
            case UNMOUNT -> "cannot unmount the file system of " + disk.describe() + " at " + mountPoint;
            case DETACH -> "cannot detach " + device + " over " + fileSystem + " of " + disk.describe();
            case RELEASE_LEFTOVERS -> "cannot release " + mountPoint + " of " + disk.describe();
        };
        return new DiskAccessException(sentence + ": " + e.detail(), true, e);
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
        try {
            mount.close();
        } catch (LoopMountException e) {
            throw failure(e, disk, fileSystem, mount.mountPoint());
        }
        closed = true;
        // a loop device writes through the image file's page cache: force it, as the device on the cp path
        try (FileChannel device = FileChannel.open(fileSystem.path(), StandardOpenOption.READ)) {
            device.force(true);
        } catch (IOException e) {
            throw new DiskAccessException("cannot force " + fileSystem.path() + " after writing the file system of "
                    + disk.describe() + ": " + e.getMessage(), true, e);
        }
        try {
            Files.deleteIfExists(mount.mountPoint());
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
        try {
            return LoopMount.releaseUnder(directory);
        } catch (LoopMountException e) {
            throw new DiskAccessException(e.getMessage(), true, e);
        }
    }

    @Override
    public String toString() {
        return "TargetFileSystem[" + disk.describe() + " at " + mount.mountPoint()
                + mount.loopDevice().map(loop -> " via " + loop.device()).orElse("") + "]";
    }
}
