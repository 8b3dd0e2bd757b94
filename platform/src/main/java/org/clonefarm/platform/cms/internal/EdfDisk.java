package org.clonefarm.platform.cms.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import org.clonefarm.platform.cms.EdfFormatException;
import org.clonefarm.platform.io.FileRegion;

/**
 * Positional I/O on the minidisk region of an image: byte ranges relative to the region's start, and
 * EDF blocks (numbered from 1) once the block size is known. Bytes past the end of the file read as
 * zeros (a sparse image). Every block read checks that the block lies on the disk, so a pointer
 * outside the disk becomes an {@link EdfFormatException}, never a read of foreign bytes.
 *
 * <p>Not thread-safe: owned by one {@code EdfFileSystem}.
 */
public final class EdfDisk implements Closeable {
    private final FileRegion region;
    private final FileChannel channel;
    private final long length;
    private int blockSize;
    private long totalBlocks;
    private long firstUsable = 1;

    /**
     * Opens the region's file.
     *
     * @throws IOException if the file cannot be opened, or the region starts past its end
     */
    public EdfDisk(FileRegion region, boolean writable) throws IOException {
        this.region = region;
        this.channel = writable
                ? FileChannel.open(region.path(), StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(region.path(), StandardOpenOption.READ);
        try {
            long fileSize = channel.size();
            if (region.toEnd()) {
                if (region.offset() > fileSize) {
                    throw new IOException("region " + region + " starts past the end of the file (" + fileSize + " bytes)");
                }
                this.length = fileSize - region.offset();
            } else {
                this.length = region.length();
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The region's length in bytes. */
    public long length() {
        return length;
    }

    /** Where the disk is, for messages. */
    public String describe() {
        return region.toString();
    }

    /**
     * Sets the block geometry from the volume label.
     *
     * @param firstUsableBlock the directory origin: blocks before it hold the IPL records and the label,
     *     so no file may point there
     */
    public void useBlocks(int size, long total, long firstUsableBlock) {
        this.blockSize = size;
        this.totalBlocks = total;
        this.firstUsable = firstUsableBlock;
    }

    public int blockSize() {
        return blockSize;
    }

    public long totalBlocks() {
        return totalBlocks;
    }

    /** Reads {@code count} bytes at {@code offset} of the region; bytes past the file's end are zeros. */
    public byte[] read(long offset, int count) throws IOException {
        if (offset < 0 || offset + count > length) {
            throw new IOException("read of " + count + " bytes at " + offset + " is outside the region " + region);
        }
        ByteBuffer buffer = ByteBuffer.allocate(count);
        long position = region.offset() + offset;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                break; // sparse tail: the rest stays zero
            }
        }
        return buffer.array();
    }

    /** Writes {@code bytes} at {@code offset} of the region. */
    public void write(long offset, byte[] bytes) throws IOException {
        if (offset < 0 || offset + bytes.length > length) {
            throw new IOException("write of " + bytes.length + " bytes at " + offset + " is outside the region " + region);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        long position = region.offset() + offset;
        while (buffer.hasRemaining()) {
            channel.write(buffer, position + buffer.position());
        }
    }

    /**
     * Reads block {@code block}.
     *
     * @param what the structure that points there, for the error
     * @param from the block holding the pointer, for the error
     * @throws EdfFormatException if the block is not on the disk
     */
    public byte[] readBlock(long block, String what, long from) throws IOException {
        checkBlock(block, what, from);
        return read((block - 1) * blockSize, blockSize);
    }

    /** Checks that a pointer names a block of the disk. */
    public void checkBlock(long block, String what, long from) throws EdfFormatException {
        if (block < 1 || block > totalBlocks) {
            throw new EdfFormatException(what, from, "points to block " + block
                    + ", outside the disk (blocks 1 to " + totalBlocks + ")");
        }
        if (block < firstUsable) {
            throw new EdfFormatException(what, from, "points to block " + block
                    + ", which holds the IPL records or the volume label");
        }
    }

    /** Writes one whole block. */
    public void writeBlock(long block, byte[] bytes) throws IOException {
        if (bytes.length != blockSize || block < 1 || block > totalBlocks) {
            throw new IllegalArgumentException("bad block write: block " + block + ", " + bytes.length + " bytes");
        }
        write((block - 1) * blockSize, bytes);
    }

    /** Forces written data to the device. */
    public void force() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
