package org.clonefarm.testsupport;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real file system of a given type on a loop device over an image file in a test's temp dir, mounted
 * at {@code <dir>/mnt}: for tests that need XFS with reflink or a plain ext4. {@link #close()} unmounts
 * and detaches the loop device, also after a failed start.
 */
public final class LoopMountedFileSystem implements AutoCloseable {
    private final Path mountPoint;
    private final String device;

    private LoopMountedFileSystem(Path mountPoint, String device) {
        this.mountPoint = mountPoint;
        this.device = device;
    }

    /**
     * Creates {@code <dir>/fs.img} of {@code megabytes}, formats it with {@code mkfs} (e.g.
     * {@code mkfs.xfs -q -m reflink=1}), attaches and mounts it.
     */
    public static LoopMountedFileSystem create(Path dir, long megabytes, String... mkfs) throws IOException {
        Path image = dir.resolve("fs.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(megabytes << 20);
        }
        List<String> format = new ArrayList<>(List.of(mkfs));
        format.add(image.toString());
        HostCommands.run(format.toArray(String[]::new));
        String device = HostCommands.run("losetup", "--find", "--show", image.toString()).strip();
        Path mountPoint = Files.createDirectories(dir.resolve("mnt"));
        try {
            HostCommands.run("mount", device, mountPoint.toString());
        } catch (IOException e) {
            try {
                HostCommands.run("losetup", "--detach", device);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return new LoopMountedFileSystem(mountPoint, device);
    }

    public Path mountPoint() {
        return mountPoint;
    }

    /** Bytes in use on the file system (statvfs: total minus free). */
    public long usedBytes() throws IOException {
        var store = Files.getFileStore(mountPoint);
        return store.getTotalSpace() - store.getUnallocatedSpace();
    }

    /** Unmounts, then detaches the loop device also when the unmount failed (its error then carries the detach's). */
    @Override
    public void close() throws IOException {
        try (Closeable detach = () -> HostCommands.run("losetup", "--detach", device)) {
            unmount();
        }
    }

    private void unmount() throws IOException {
        try {
            HostCommands.run("umount", mountPoint.toString());
        } catch (IOException e) {
            try {
                HostCommands.run("umount", "--lazy", mountPoint.toString());
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }
}
