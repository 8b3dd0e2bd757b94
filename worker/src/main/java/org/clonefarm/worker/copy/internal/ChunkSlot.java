package org.clonefarm.worker.copy.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The resources of one chunk in flight: a direct buffer of one chunk (aligned for direct I/O), a second one for resume by
 * compare (made on first use), and for {@code TRANSFER_TO} its own source and target channels (a
 * transfer moves a channel's position, which must not be shared). Used by one chunk task at a time;
 * handed between threads through the slot pool, which orders the accesses.
 */
final class ChunkSlot implements Closeable {
    final ByteBuffer buffer;
    private ByteBuffer compareBuffer;
    private FileChannel transferSource;
    private FileChannel transferTarget;

    ChunkSlot(int chunkSize) {
        this.buffer = ExtentChannels.alignedBuffer(chunkSize);
    }

    ByteBuffer compareBuffer() {
        if (compareBuffer == null) {
            compareBuffer = ExtentChannels.alignedBuffer(buffer.capacity());
        }
        return compareBuffer;
    }

    FileChannel transferSource(Path source) throws IOException {
        if (transferSource == null) {
            transferSource = FileChannel.open(source, StandardOpenOption.READ);
        }
        return transferSource;
    }

    FileChannel transferTarget(Path target) throws IOException {
        if (transferTarget == null) {
            transferTarget = FileChannel.open(target, StandardOpenOption.WRITE);
        }
        return transferTarget;
    }

    @Override
    public void close() throws IOException {
        FileChannel source = transferSource;
        FileChannel target = transferTarget;
        transferSource = null;
        transferTarget = null;
        try {
            if (source != null) {
                source.close();
            }
        } finally {
            if (target != null) {
                target.close();
            }
        }
    }
}
