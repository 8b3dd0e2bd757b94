package org.clonefarm.worker.copy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.clonefarm.worker.copy.internal.CheckpointRecords;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The durable record of which chunks of which copies are on their targets: one RocksDB database in
 * one directory, opened once per process and shared by every copy that runs there.
 *
 * <p>Per copy id it holds the {@link CheckpointLayout} (which names the chunk digest algorithm) and, per
 * durable chunk, the chunk's digest
 * (see {@link DiskDigest}), so a fully checkpointed copy yields its disk digest without reading a byte;
 * and per disk the storage copied whole (FLASHCOPY), a record that it did ({@link #recordStorageCopy}).
 * Key and value layouts are in {@link CheckpointRecords}.
 *
 * <p>Contract: a chunk is {@linkplain #commit committed} only after the target bytes it claims were
 * forced (the engine's durability order); {@code commit} returns once the batch is on disk (synced
 * write-ahead log). Thread-safe: any number of copies may call it concurrently. {@link #close()} waits
 * for calls in progress; calls after it fail with {@link IllegalStateException}.
 */
public final class CheckpointStore implements AutoCloseable {

    private final Path directory;
    private final Options options;
    private final RocksDB db;
    private final WriteOptions syncWrite;
    private final WriteOptions unsyncedWrite;
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    private CheckpointStore(Path directory, Options options, RocksDB db) {
        this.directory = directory;
        this.options = options;
        this.db = db;
        this.syncWrite = new WriteOptions().setSync(true);
        this.unsyncedWrite = new WriteOptions().setSync(false);
    }

    /**
     * Opens (creating if needed) the store in {@code directory}. One process at a time may hold it.
     *
     * @throws CopyException of kind {@link CopyException.Kind#CHECKPOINT} naming the directory
     */
    public static CheckpointStore open(Path directory) throws CopyException {
        RocksDB.loadLibrary();
        Options options = new Options().setCreateIfMissing(true).setKeepLogFileNum(2).setMaxOpenFiles(256);
        try {
            Files.createDirectories(directory);
            return new CheckpointStore(directory, options, RocksDB.open(options, directory.toString()));
        } catch (RocksDBException | java.io.IOException e) {
            options.close();
            throw new CopyException(CopyException.Kind.CHECKPOINT, false,
                    "cannot open the checkpoint store in " + directory + " (is another clonefarm process using it?): "
                            + e.getMessage(), directory, CopyException.NO_OFFSET, e);
        }
    }

    public Path directory() {
        return directory;
    }

    /** The layout and the durable chunks of a copy, or empty when it has no checkpoints. */
    public Optional<CheckpointedCopy> load(String copyId) throws CopyException {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            byte[] layout = db.get(CheckpointRecords.layoutKey(copyId));
            if (layout == null) {
                return Optional.empty();
            }
            CheckpointLayout decoded = CheckpointRecords.decodeLayout(layout);
            TreeMap<Long, byte[]> chunks = new TreeMap<>();
            byte[] prefix = CheckpointRecords.chunkPrefix(copyId);
            try (Slice upper = new Slice(CheckpointRecords.chunkPrefixEnd(copyId));
                    ReadOptions read = new ReadOptions().setIterateUpperBound(upper);
                    RocksIterator it = db.newIterator(read)) {
                for (it.seek(prefix); it.isValid(); it.next()) {
                    chunks.put(CheckpointRecords.chunkIndex(copyId, it.key()),
                            CheckpointRecords.chunkDigest(it.value(), decoded.digest()));
                }
                it.status();
            }
            return Optional.of(new CheckpointedCopy(copyId, decoded, chunks));
        } catch (RocksDBException e) {
            throw failure("read the checkpoints of " + copyId, e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Records, synced, that the storage copied a disk whole (CP FLASHCOPY): a later run of the same copy
     * id answers from this record and copies nothing. Call only after the storage confirmed the copy.
     */
    public void recordStorageCopy(String copyId, long bytesTotal) throws CopyException {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            db.put(syncWrite, CheckpointRecords.storageCopyKey(copyId), CheckpointRecords.encodeStorageCopy(bytesTotal));
        } catch (RocksDBException e) {
            throw failure("record the storage copy of " + copyId, e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** The bytes of a disk the storage copied whole under this copy id, or empty when it did not. */
    public java.util.OptionalLong storageCopy(String copyId) throws CopyException {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            byte[] value = db.get(CheckpointRecords.storageCopyKey(copyId));
            return value == null ? java.util.OptionalLong.empty()
                    : java.util.OptionalLong.of(CheckpointRecords.decodeStorageCopy(value));
        } catch (RocksDBException e) {
            throw failure("read the storage copy record of " + copyId, e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Starts a copy's checkpoints afresh: drops any old chunk records and stores the layout, synced. */
    public void begin(String copyId, CheckpointLayout layout) throws CopyException {
        begin(copyId, layout, syncWrite);
    }

    /**
     * Starts the checkpoints of a copy that has none ({@link #load} was empty): as {@link #begin}, but returns
     * without waiting for the disk. The layout becomes durable with the copy's first {@link #commit} at the latest
     * (one write-ahead log, synced up to that commit's end); a crash before it loses the layout of a copy that had
     * no checkpoints to lose. A copy that had checkpoints must use {@link #begin}: dropping them must be durable
     * before the target is written again (a shorter target extended again must never meet its old checkpoints).
     */
    public void beginNew(String copyId, CheckpointLayout layout) throws CopyException {
        begin(copyId, layout, unsyncedWrite);
    }

    private void begin(String copyId, CheckpointLayout layout, WriteOptions write) throws CopyException {
        lifecycle.readLock().lock();
        try (WriteBatch batch = new WriteBatch()) {
            ensureOpen();
            batch.deleteRange(CheckpointRecords.chunkPrefix(copyId), CheckpointRecords.chunkPrefixEnd(copyId));
            batch.put(CheckpointRecords.layoutKey(copyId), CheckpointRecords.encodeLayout(layout));
            db.write(write, batch);
        } catch (RocksDBException e) {
            throw failure("start the checkpoints of " + copyId, e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Records chunks as durable in one synced write batch. Call only after the target bytes of every
     * chunk in {@code chunkDigests} (index to digest, of the algorithm of the layout
     * given to {@link #begin}) were forced to the device.
     */
    public void commit(String copyId, Map<Long, byte[]> chunkDigests) throws CopyException {
        if (chunkDigests.isEmpty()) {
            return;
        }
        lifecycle.readLock().lock();
        try (WriteBatch batch = new WriteBatch()) {
            ensureOpen();
            for (Map.Entry<Long, byte[]> chunk : chunkDigests.entrySet()) {
                batch.put(CheckpointRecords.chunkKey(copyId, chunk.getKey()), chunk.getValue());
            }
            db.write(syncWrite, batch);
        } catch (RocksDBException e) {
            throw failure("commit " + chunkDigests.size() + " chunk checkpoints of " + copyId, e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Forgets some chunks (they must be copied again), synced. */
    public void forget(String copyId, List<Long> chunkIndexes) throws CopyException {
        lifecycle.readLock().lock();
        try (WriteBatch batch = new WriteBatch()) {
            ensureOpen();
            for (long index : chunkIndexes) {
                batch.delete(CheckpointRecords.chunkKey(copyId, index));
            }
            db.write(syncWrite, batch);
        } catch (RocksDBException e) {
            throw failure("forget chunk checkpoints of " + copyId, e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Deletes every checkpoint of a copy (after the caller has recorded its result elsewhere), synced. */
    public void delete(String copyId) throws CopyException {
        lifecycle.readLock().lock();
        try (WriteBatch batch = new WriteBatch()) {
            ensureOpen();
            batch.deleteRange(CheckpointRecords.chunkPrefix(copyId), CheckpointRecords.chunkPrefixEnd(copyId));
            batch.delete(CheckpointRecords.layoutKey(copyId));
            batch.delete(CheckpointRecords.storageCopyKey(copyId));
            db.write(syncWrite, batch);
        } catch (RocksDBException e) {
            throw failure("delete the checkpoints of " + copyId, e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Closes the database after the calls in progress; idempotent. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            syncWrite.close();
            unsyncedWrite.close();
            db.close();
            options.close();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the checkpoint store in " + directory + " is closed");
        }
    }

    private CopyException failure(String what, RocksDBException e) {
        return new CopyException(CopyException.Kind.CHECKPOINT, "cannot " + what + " in the checkpoint store "
                + directory + ": " + e.getMessage(), directory, CopyException.NO_OFFSET, e);
    }

    /**
     * A copy's checkpoints as loaded. Immutable by convention (do not modify the map).
     *
     * @param copyId the copy
     * @param layout the shape they were written for
     * @param chunkDigests durable chunk index to its digest (of {@code layout.digest()}), in index order
     */
    public record CheckpointedCopy(String copyId, CheckpointLayout layout, java.util.NavigableMap<Long, byte[]> chunkDigests) {
    }
}
