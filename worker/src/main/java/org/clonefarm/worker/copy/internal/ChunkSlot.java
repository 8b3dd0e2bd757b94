package org.clonefarm.worker.copy.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The resources of one chunk in flight: a direct buffer of one chunk (aligned for direct I/O), a second one for resume by
 * compare (taken on first use), and for {@code TRANSFER_TO} where {@code copy_file_range} cannot be used
 * its own source and target channels ({@code transferTo} moves a channel's position, which must not be shared). The buffers come from the engine's
 * {@link AlignedBufferPool} and go back to it with {@link #giveBackBuffers} once no chunk task can
 * touch them again. Used by one chunk task at a time; handed between threads through the run's free
 * list, which orders the accesses.
 */
final class ChunkSlot implements Closeable {
    final ByteBuffer buffer;
    private final AlignedBufferPool pool;
    private ByteBuffer compareBuffer;
    private FileChannel transferSource;
    private FileChannel transferTarget;

    ChunkSlot(int chunkSize, AlignedBufferPool pool) {
        this.pool = pool;
        this.buffer = pool.take(chunkSize);
    }

    ByteBuffer compareBuffer() {
        if (compareBuffer == null) {
            compareBuffer = pool.take(buffer.capacity());
        }
        return compareBuffer;
    }

    /**
     * Gives the buffers back to the pool. Only for a slot no chunk task holds or will hold again:
     * after this the slot must not be used.
     */
    void giveBackBuffers() {
        pool.giveBack(buffer);
        if (compareBuffer != null) {
            pool.giveBack(compareBuffer);
            compareBuffer = null;
        }
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
