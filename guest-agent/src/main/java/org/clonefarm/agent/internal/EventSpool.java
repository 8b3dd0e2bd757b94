package org.clonefarm.agent.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import com.google.protobuf.InvalidProtocolBufferException;
import org.clonefarm.platform.io.Closeables;
import org.clonefarm.platform.io.DurableFiles;
import org.clonefarm.proto.CloneEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's local event spool: every event is appended here and forced to disk before anything
 * tries to send it, so an event survives a broker that is down, a network that is not up yet, and a
 * reboot. A separate file records how far the spool has been delivered.
 *
 * <p>On disk, in the spool directory:
 * <ul>
 *   <li>{@code events.spool}: the 8-byte magic {@code CFSPOOL1}, then records of
 *       {@code [u32 length][u32 CRC-32C of the payload][payload]}, big-endian, the payload one
 *       serialized {@code CloneEvent} (with its original event id, so a re-sent event is recognized).
 *       Each append is forced (fsync) before it returns.</li>
 *   <li>{@code events.delivered}: the byte offset in {@code events.spool} up to which every record is
 *       acknowledged by Kafka, as {@code offset=N} text, replaced atomically and durably
 *       ({@link DurableFiles}). It is written only after the acknowledgement, so a crash between
 *       the two re-sends records (same event ids; consumers drop duplicates) and never loses one.</li>
 *   <li>{@code spool.lock}: an exclusive file lock held while the spool is open, so two agent runs
 *       do not interleave.</li>
 * </ul>
 * A torn last record (a crash during an append, before the append returned) is cut off when the
 * spool is opened; it was never reported as spooled.
 *
 * <p>Not thread-safe: one agent run, one thread.
 */
public final class EventSpool implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(EventSpool.class);
    static final byte[] MAGIC = "CFSPOOL1".getBytes(StandardCharsets.US_ASCII);
    static final int MAX_RECORD = 1 << 20;
    public static final String SPOOL_FILE = "events.spool";
    public static final String DELIVERED_FILE = "events.delivered";
    static final String LOCK_FILE = "spool.lock";

    /** A spooled event and where its record ends in the spool file. */
    public record Spooled(CloneEvent event, long endOffset) {
    }

    private final Path directory;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final FileChannel channel;
    private long size;

    private EventSpool(Path directory, FileChannel lockChannel, FileLock lock, FileChannel channel, long size) {
        this.directory = directory;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.channel = channel;
        this.size = size;
    }

    /**
     * Opens (creating when needed) the spool in a directory and takes its lock.
     *
     * @throws IOException naming the file when it cannot be opened, is locked by another run, or is
     *     no spool
     */
    public static EventSpool open(Path directory) throws IOException {
        Files.createDirectories(directory);
        FileChannel lockChannel = FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IOException("the event spool in " + directory + " is in use by another agent run");
        }
        FileChannel channel = null;
        try {
            Path file = directory.resolve(SPOOL_FILE);
            boolean fresh = !Files.exists(file);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            if (fresh || channel.size() == 0) {
                channel.write(ByteBuffer.wrap(MAGIC), 0);
                channel.force(true);
                DurableFiles.forceDirectory(directory);
            }
            ByteBuffer magic = ByteBuffer.allocate(MAGIC.length);
            channel.read(magic, 0);
            if (!java.util.Arrays.equals(magic.array(), MAGIC)) {
                throw new IOException(file + " is not an event spool (no CFSPOOL1 magic)");
            }
            EventSpool spool = new EventSpool(directory, lockChannel, lock, channel, channel.size());
            spool.size = spool.scanAndCutTornTail();
            return spool;
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            lock.release();
            lockChannel.close();
            throw e;
        }
    }

    /** Validates every record; cuts off a torn or corrupt tail and returns the good length. */
    private long scanAndCutTornTail() throws IOException {
        long position = MAGIC.length;
        long fileSize = channel.size();
        while (position < fileSize) {
            long end = recordEnd(position, fileSize);
            if (end < 0) {
                LOG.warn("event spool {}: cutting {} bytes of a torn or corrupt record at offset {}",
                        directory.resolve(SPOOL_FILE), fileSize - position, position);
                channel.truncate(position);
                channel.force(true);
                return position;
            }
            position = end;
        }
        return position;
    }

    /** Where the record at {@code position} ends, or -1 when it is torn or fails its CRC. */
    private long recordEnd(long position, long fileSize) throws IOException {
        if (fileSize - position < 8) {
            return -1;
        }
        ByteBuffer header = ByteBuffer.allocate(8);
        readFully(header, position);
        int length = header.getInt(0);
        int crc = header.getInt(4);
        if (length < 0 || length > MAX_RECORD || fileSize - position - 8 < length) {
            return -1;
        }
        ByteBuffer payload = ByteBuffer.allocate(length);
        readFully(payload, position + 8);
        CRC32C check = new CRC32C();
        check.update(payload.array());
        return (int) check.getValue() == crc ? position + 8 + length : -1;
    }

    private void readFully(ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, at);
            if (read < 0) {
                throw new IOException("unexpected end of " + directory.resolve(SPOOL_FILE) + " at " + at);
            }
            at += read;
        }
        buffer.flip();
    }

    /**
     * Appends one event and forces it to disk; when this returns, the event survives a crash.
     *
     * @throws IOException naming the spool file
     */
    public void append(CloneEvent event) throws IOException {
        byte[] payload = event.toByteArray();
        if (payload.length > MAX_RECORD) {
            throw new IOException("event " + event.getEventId() + " of " + payload.length + " bytes is larger than"
                    + " the spool's record limit of " + MAX_RECORD);
        }
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer record = ByteBuffer.allocate(8 + payload.length);
        record.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
        long at = size;
        while (record.hasRemaining()) {
            at += channel.write(record, at);
        }
        channel.force(true);
        size = at;
    }

    /** Byte offset up to which every record is delivered. */
    public long deliveredOffset() throws IOException {
        Path file = directory.resolve(DELIVERED_FILE);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return MAGIC.length;
        }
        if (!text.matches("offset=[0-9]{1,18}")) {
            throw new IOException(file + " holds '" + text + "', expected offset=N");
        }
        long offset = Long.parseLong(text.substring("offset=".length()));
        if (offset < MAGIC.length || offset > size) {
            throw new IOException(file + " says offset " + offset + " but " + directory.resolve(SPOOL_FILE)
                    + " holds records from " + MAGIC.length + " to " + size);
        }
        return offset;
    }

    /** Records that a prefix of the spool is delivered (atomically and durably). */
    public void markDelivered(long offset) throws IOException {
        if (offset < MAGIC.length || offset > size) {
            throw new IllegalArgumentException("delivered offset " + offset + " outside the spool (" + size + ")");
        }
        DurableFiles.replace(directory.resolve(DELIVERED_FILE),
                ("offset=" + offset + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** Every event not yet delivered, in spool order. */
    public List<Spooled> pending() throws IOException {
        return readFrom(deliveredOffset());
    }

    /** Every event in the spool, delivered or not, in order. */
    public List<Spooled> all() throws IOException {
        return readFrom(MAGIC.length);
    }

    private List<Spooled> readFrom(long start) throws IOException {
        List<Spooled> events = new ArrayList<>();
        long position = start;
        while (position < size) {
            ByteBuffer header = ByteBuffer.allocate(8);
            readFully(header, position);
            int length = header.getInt(0);
            ByteBuffer payload = ByteBuffer.allocate(length);
            readFully(payload, position + 8);
            position += 8 + length;
            try {
                events.add(new Spooled(CloneEvent.parseFrom(payload.array()), position));
            } catch (InvalidProtocolBufferException e) {
                throw new IOException("record ending at " + position + " of " + directory.resolve(SPOOL_FILE)
                        + " passes its CRC but is no CloneEvent: " + e.getMessage(), e);
            }
        }
        return events;
    }

    public Path directory() {
        return directory;
    }

    @Override
    public void close() throws IOException {
        Closeables.closeAll(channel, lock::release, lockChannel);
    }
}
