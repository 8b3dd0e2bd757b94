package org.clonefarm.platform.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A channel on one byte range of a file behaves like a file of that size. */
class RegionChannelTest {

    @TempDir
    Path dir;

    private Path file(int size) throws IOException {
        Path file = dir.resolve("image");
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) i;
        }
        return Files.write(file, bytes);
    }

    /** Reads see the region from its offset and stop at its end. */
    @Test
    void readsStopAtTheRegionEnd() throws IOException {
        try (RegionChannel channel = RegionChannel.open(new FileRegion(file(100), 10, 20), false)) {
            ByteBuffer buffer = ByteBuffer.allocate(50);
            assertThat(channel.read(buffer)).isEqualTo(20);
            assertThat(buffer.get(0)).isEqualTo((byte) 10);
            assertThat(buffer.get(19)).isEqualTo((byte) 29);
            assertThat(channel.read(ByteBuffer.allocate(1))).isEqualTo(-1);
            assertThat(channel.size()).isEqualTo(20);
        }
    }

    /** transferTo copies only the region's bytes to another channel. */
    @Test
    void transferToCopiesTheRegionOnly() throws IOException {
        Path target = dir.resolve("target");
        try (RegionChannel channel = RegionChannel.open(new FileRegion(file(100), 90, 10), false);
                FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            assertThat(channel.transferTo(5, 100, out)).isEqualTo(5);
        }
        assertThat(Files.readAllBytes(target)).containsExactly(95, 96, 97, 98, 99);
    }

    /** A write that would cross the end writes nothing; a read-only region refuses writes. */
    @Test
    void writesCannotLeaveTheRegion() throws IOException {
        Path file = file(100);
        try (RegionChannel channel = RegionChannel.open(new FileRegion(file, 10, 20), true)) {
            channel.write(ByteBuffer.wrap(new byte[] {-1, -1}), 18);
            assertThatThrownBy(() -> channel.write(ByteBuffer.wrap(new byte[] {-2, -2, -2}), 18)).isInstanceOf(IOException.class);
        }
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes[27]).isEqualTo((byte) 27);
        assertThat(bytes[28]).isEqualTo((byte) -1);
        assertThat(bytes[29]).isEqualTo((byte) -1);
        assertThat(bytes[30]).isEqualTo((byte) 30);
        try (RegionChannel readOnly = RegionChannel.open(new FileRegion(file, 10, 20), false)) {
            assertThatThrownBy(() -> readOnly.write(ByteBuffer.allocate(1), 0)).isInstanceOf(NonWritableChannelException.class);
        }
    }

    /** A region beyond the end of its file cannot be opened. */
    @Test
    void regionBeyondTheFileIsRefused() throws IOException {
        Path file = file(100);

        assertThatThrownBy(() -> RegionChannel.open(new FileRegion(file, 90, 20), false)).isInstanceOf(IOException.class)
                .hasMessageContaining("beyond the end");
    }
}
