package org.clonefarm.platform.volume;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A volume's bytes in the local simulation: a sparse file of exactly the volume's size
 * ({@link Volume#sizeBytes()}), created without writing its data, so a 3390-54 costs no disk space
 * until minidisks are written. A minidisk is a byte range of its volume's image
 * ({@link Extent#byteOffset()}, {@link Extent#byteLength()}).
 *
 * <p>Stateless helpers; safe from any thread, but two threads must not create the same image.
 */
public final class VolumeImage {

    private VolumeImage() {
    }

    /**
     * Creates the sparse image of {@code volume} at {@code path} (parent directories too).
     *
     * @throws java.nio.file.FileAlreadyExistsException if the file exists: an image is never
     *     overwritten, since it holds guests' disks
     */
    public static void create(Path path, Volume volume) throws IOException {
        Objects.requireNonNull(volume, "volume");
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            // writing one byte at the end gives the file its size without allocating what lies before
            channel.write(ByteBuffer.wrap(new byte[1]), volume.sizeBytes() - 1);
            channel.force(true);
        }
    }

    /** The image's size in bytes. */
    public static long size(Path path) {
        try {
            return Files.size(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of volume image " + path, e);
        }
    }
}
