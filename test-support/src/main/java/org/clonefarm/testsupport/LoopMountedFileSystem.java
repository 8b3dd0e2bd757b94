package org.clonefarm.testsupport;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.HostTool;
import org.clonefarm.platform.io.LoopMount;

/**
 * A real file system of a given type on a loop device over an image file in a test's temp dir, mounted
 * at {@code <dir>/mnt} through {@code platform}'s {@link LoopMount}: for tests that need XFS with reflink
 * or a plain ext4. {@link #close()} unmounts and detaches the loop device; a failed start leaves nothing
 * attached.
 */
public final class LoopMountedFileSystem implements AutoCloseable {
    private static final Duration MKFS_TIMEOUT = Duration.ofSeconds(60);

    private final LoopMount mount;

    private LoopMountedFileSystem(LoopMount mount) {
        this.mount = mount;
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
        HostTool.checkOutput(format, MKFS_TIMEOUT);
        return new LoopMountedFileSystem(LoopMount.mount(FileRegion.whole(image), dir.resolve("mnt"), LoopMount.Options.READ_WRITE));
    }

    public Path mountPoint() {
        return mount.mountPoint();
    }

    /** Bytes in use on the file system (statvfs: total minus free). */
    public long usedBytes() throws IOException {
        var store = Files.getFileStore(mount.mountPoint());
        return store.getTotalSpace() - store.getUnallocatedSpace();
    }

    /** Unmounts (lazily when it stays busy) and detaches the loop device. */
    @Override
    public void close() throws IOException {
        mount.close();
    }
}
