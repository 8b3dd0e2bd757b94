package org.clonefarm.platform.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A {@link FileChannel} on one byte range of a file: position 0 is the region's first byte and
 * {@link #size()} its length, so a minidisk inside a volume image reads and writes like a whole
 * disk. Reads stop at the region's end; a write that would cross it fails whole with an
 * {@link IOException} and writes nothing. Positional I/O, {@link #transferTo} and
 * {@link #transferFrom} go to the underlying file at the shifted offset (in-kernel copies stay
 * in-kernel). Opened read-only, every write fails with
 * {@link java.nio.channels.NonWritableChannelException}.
 *
 * <p>Thread-safety as {@link FileChannel}: positional reads and writes may run concurrently; the
 * channel's own position is shared. {@link #lock} returns a lock on the underlying file's range.
 * Closing closes the underlying file.
 */
public final class RegionChannel extends FileChannel {

    private final FileChannel file;
    private final long offset;
    private final long length;
    private final boolean writable;
    private final Object positionLock = new Object();
    private long position;

    private RegionChannel(FileChannel file, long offset, long length, boolean writable) {
        this.file = file;
        this.offset = offset;
        this.length = length;
        this.writable = writable;
    }

    /**
     * Opens the region of a file (or block device).
     *
     * @param region the byte range; {@link FileRegion#TO_END} means up to the file's current end
     * @param write whether to open for writing as well as reading
     * @throws IOException if the file cannot be opened or the region lies beyond its end
     */
    public static RegionChannel open(FileRegion region, boolean write) throws IOException {
        Objects.requireNonNull(region, "region");
        OpenOption[] options = write ? new OpenOption[] {StandardOpenOption.READ, StandardOpenOption.WRITE}
                : new OpenOption[] {StandardOpenOption.READ};
        FileChannel file = FileChannel.open(region.path(), options);
        try {
            long fileSize = file.size();
            long length = region.toEnd() ? Math.max(0, fileSize - region.offset()) : region.length();
            if (region.offset() + length > fileSize) {
                throw new IOException("region " + region + " ends at byte " + (region.offset() + length) + ", beyond the end of "
                        + region.path() + " (" + fileSize + " bytes)");
            }
            return new RegionChannel(file, region.offset(), length, write);
        } catch (IOException | RuntimeException e) {
            try {
                file.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Where the region starts in the underlying file. */
    public long regionOffset() {
        return offset;
    }

    /** Whether writes are allowed. */
    public boolean isWritable() {
        return writable;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        synchronized (positionLock) {
            int n = read(dst, position);
            if (n > 0) {
                position += n;
            }
            return n;
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int off, int len) throws IOException {
        long total = 0;
        synchronized (positionLock) {
            for (int i = off; i < off + len; i++) {
                int n = read(dsts[i]);
                if (n < 0) {
                    return total == 0 ? -1 : total;
                }
                total += n;
                if (dsts[i].hasRemaining()) {
                    break;
                }
            }
        }
        return total;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        synchronized (positionLock) {
            int n = write(src, position);
            position += n;
            return n;
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int off, int len) throws IOException {
        long total = 0;
        synchronized (positionLock) {
            for (int i = off; i < off + len; i++) {
                total += write(srcs[i]);
            }
        }
        return total;
    }

    @Override
    public long position() throws IOException {
        ensureOpen();
        synchronized (positionLock) {
            return position;
        }
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        ensureOpen();
        if (newPosition < 0) {
            throw new IllegalArgumentException("position " + newPosition + " is negative");
        }
        synchronized (positionLock) {
            position = newPosition;
        }
        return this;
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return length;
    }

    /** A region has a fixed size: truncating to its size or more does nothing, less fails. */
    @Override
    public FileChannel truncate(long size) throws IOException {
        ensureOpen();
        if (size < length) {
            throw new IOException("a region of " + length + " bytes at offset " + offset + " cannot be truncated to " + size);
        }
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        file.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        checkPosition(position);
        long n = Math.min(count, length - Math.min(position, length));
        return n <= 0 ? 0 : file.transferTo(offset + position, n, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        checkPosition(position);
        requireWritable();
        if (position + count > length) {
            throw new IOException("transfer of " + count + " bytes at " + position + " crosses the end of the region ("
                    + length + " bytes at offset " + offset + ")");
        }
        return file.transferFrom(src, offset + position, count);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        checkPosition(position);
        if (position >= length) {
            return -1;
        }
        long room = length - position;
        if (dst.remaining() <= room) {
            return file.read(dst, offset + position);
        }
        ByteBuffer slice = dst.duplicate();
        slice.limit(slice.position() + (int) room);
        int n = file.read(slice, offset + position);
        if (n > 0) {
            dst.position(dst.position() + n);
        }
        return n;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        checkPosition(position);
        requireWritable();
        if (position + src.remaining() > length) {
            throw new IOException("write of " + src.remaining() + " bytes at " + position + " crosses the end of the region ("
                    + length + " bytes at offset " + offset + "); nothing was written");
        }
        int total = 0;
        while (src.hasRemaining()) {
            total += file.write(src, offset + position + total);
        }
        return total;
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        checkPosition(position);
        if (position + size > length) {
            throw new IOException("mapping " + size + " bytes at " + position + " crosses the end of the region (" + length + " bytes)");
        }
        return file.map(mode, offset + position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        checkPosition(position);
        return file.lock(offset + position, Math.min(size, length - Math.min(position, length)), shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        checkPosition(position);
        return file.tryLock(offset + position, Math.min(size, length - Math.min(position, length)), shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        file.close();
    }

    private void checkPosition(long position) throws IOException {
        ensureOpen();
        if (position < 0) {
            throw new IllegalArgumentException("position " + position + " is negative");
        }
    }

    private void requireWritable() {
        if (!writable) {
            throw new java.nio.channels.NonWritableChannelException();
        }
    }

    private void ensureOpen() throws IOException {
        if (!isOpen()) {
            throw new java.nio.channels.ClosedChannelException();
        }
    }

    @Override
    public String toString() {
        return "RegionChannel(" + length + " bytes at offset " + offset + (writable ? ", read-write)" : ", read-only)");
    }
}
