package org.clonefarm.worker.copy.internal;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.clonefarm.worker.copy.CopyException;
import org.clonefarm.worker.copy.DiskDigest;

/**
 * One source extent read by every copy that runs on the engine at the same time with the same source (a fan-out,
 * {@link SharedScans}): each source chunk is read once, into a pooled buffer, and every copy that needs it writes
 * it to its own target from there; its chunk digest is computed once. Everything per target (checkpoints, batches,
 * forces, zero and hole handling, failures) stays in each copy's own {@link CopyRun}: a scan only shares reads.
 *
 * <p>How chunks are shared. A copy joins with the chunks it still has to copy ({@link #join}) and then, for each,
 * either {@linkplain Participant#acquire acquires} it or {@linkplain Participant#pass passes} it (a source hole, read
 * by no one). The first copy to acquire a chunk reads it on its own chunk task; copies that ask for the same chunk
 * meanwhile wait for that read, not for anything else (never for another target's write or checkpoint). The buffer
 * goes back to the pool when no copy holds it and no copy of the scan still needs it. Copies that start together
 * therefore move together: a follower finds the chunks read and catches up with the leader, which reads. A copy that
 * joins late starts at the lowest chunk the scan still holds ({@link Participant#startIndex}) and copies the chunks
 * before it at the end (chunk order does not matter to checkpoints). A copy about to read a chunk more than {@code
 * capacity} chunks ahead of another copy that still needs an earlier one waits for it (the fan-out goes at the pace
 * of its slowest target, whose writes are the work anyway), except for a copy that makes no progress for 2 s: that
 * one is left behind for good and reads again what it needs, so a stuck target holds the others back once. The scan
 * keeps at most 2 x {@code capacity} chunks that no copy holds (plus those held: each copy's chunks in flight).
 *
 * <p>A source read that fails fails every copy that waited for that chunk (the source is the same for all); a
 * later acquire reads it again. A copy that fails or ends {@linkplain Participant#leave leaves}, and the chunks only
 * it needed are freed.
 *
 * <p>Thread-safe: chunk tasks of several copies call it at once; one lock per scan guards its table, the read
 * itself and the digest run outside it.
 */
final class SharedScan {

    /**
     * What makes two copies read the same bytes in the same chunks.
     *
     * @param sourceKey the identity of the source's bytes ({@code CopyPlan.effectiveSourceKey})
     * @param length the extent's length in bytes
     * @param chunkSize the chunk size
     * @param digest the chunk digest algorithm (a digest computed once is handed to every copy)
     * @param directRead whether the source is read with {@code O_DIRECT}
     */
    record Key(String sourceKey, long length, int chunkSize, DiskDigest.Algorithm digest, boolean directRead) {
    }

    /** Reads the source's bytes of one chunk into {@code into} (position 0, limit the chunk's length). */
    @FunctionalInterface
    interface ChunkReader {
        void read(ByteBuffer into) throws CopyException;
    }

    private final SharedScans registry;
    private final Key key;
    private final AlignedBufferPool buffers;
    private final int capacity;
    private final long chunkCount;
    /** Chunks read or being read, in the order they were first acquired; guarded by this. */
    private final Map<Long, Entry> entries = new LinkedHashMap<>();
    private final Set<Participant> participants = new HashSet<>();
    private long frontier;
    private boolean closed;

    SharedScan(SharedScans registry, Key key, AlignedBufferPool buffers, int capacity) {
        this.registry = registry;
        this.key = key;
        this.buffers = buffers;
        this.capacity = capacity;
        this.chunkCount = (key.length() + key.chunkSize() - 1) / key.chunkSize();
    }

    Key key() {
        return key;
    }

    /** Whether every copy left it (then it takes no one new: {@link SharedScans} makes a new one). Under the lock. */
    boolean isClosed() {
        synchronized (this) {
            return closed;
        }
    }

    /** Adds a copy that still has to copy {@code todo}; null when the scan closed meanwhile (make a new one). */
    synchronized Participant join(Iterable<Long> todo) {
        if (closed) {
            return null;
        }
        BitSet needs = new BitSet();
        for (long index : todo) {
            needs.set(Math.toIntExact(index));
        }
        long start = 0;
        if (!entries.isEmpty()) {
            start = Long.MAX_VALUE;
            for (long index : entries.keySet()) {
                start = Math.min(start, index);
            }
        } else if (frontier < chunkCount) {
            start = frontier;
        }
        Participant participant = new Participant(needs, start);
        participants.add(participant);
        return participant;
    }

    /** Chunks held by the scan now (for tests). */
    synchronized int chunksHeld() {
        return entries.size();
    }

    private int length(long index) {
        return (int) Math.min(key.chunkSize(), key.length() - index * key.chunkSize());
    }

    /** Under the lock: whether a copy of the scan will still acquire chunk {@code index}. */
    private boolean needed(long index) {
        for (Participant participant : participants) {
            if (participant.needs.get((int) index)) {
                return true;
            }
        }
        return false;
    }

    /** How long a copy about to read waits for a copy far behind that makes no progress before leaving it behind. */
    private static final long LAGGARD_WAIT_NANOS = 2_000_000_000L;

    /**
     * Under the lock: the copy about to read chunk {@code index} waits while another copy still needs a chunk more
     * than {@code capacity} chunks behind it, so the copies stay within the chunks the scan keeps and none has to
     * read again. A copy behind that makes no progress for {@link #LAGGARD_WAIT_NANOS} is left behind for good (it
     * reads again what it needs), so a stuck target holds the others back once, for that long.
     */
    private void awaitLaggards(Participant reader, long index) {
        long deadline = System.nanoTime() + LAGGARD_WAIT_NANOS;
        while (true) {
            Participant laggard = null;
            for (Participant participant : participants) {
                if (participant != reader && !participant.leftBehind && participant.position() >= 0
                        && participant.position() < index - capacity) {
                    laggard = participant;
                    break;
                }
            }
            if (laggard == null || entries.containsKey(index)) {
                return;
            }
            long wait = deadline - System.nanoTime();
            if (wait <= 0) {
                laggard.leftBehind = true;
                deadline = System.nanoTime() + LAGGARD_WAIT_NANOS;
                continue;
            }
            try {
                wait(Math.max(1, wait / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Under the lock: frees held-by-no-one chunks, oldest first, until there is room for one more. */
    private void makeRoom() {
        Iterator<Entry> oldest = entries.values().iterator();
        while (entries.size() >= 2 * capacity && oldest.hasNext()) {
            Entry entry = oldest.next();
            if (entry.leases == 0) {
                oldest.remove();
                buffers.giveBack(entry.buffer);
            }
        }
    }

    /** Under the lock: frees {@code entry} if no one holds it and no one will need it. */
    private void dropIfDone(Entry entry) {
        if (entry.leases == 0 && entry.buffer != null && (closed || !needed(entry.index))
                && entries.get(entry.index) == entry) {
            entries.remove(entry.index);
            buffers.giveBack(entry.buffer);
        }
    }

    /** A chunk read (or being read) for the scan. Fields other than {@code ready} are guarded by the scan's lock. */
    private static final class Entry {
        final long index;
        final CompletableFuture<ByteBuffer> ready = new CompletableFuture<>();
        ByteBuffer buffer;
        int leases;
        /** The chunk digest, computed by the first copy that asks; guarded by the entry itself. */
        byte[] digest;

        Entry(long index) {
            this.index = index;
        }
    }

    /**
     * One copy's part in the scan. Its chunk tasks call {@link #acquire} and {@link #pass} concurrently; its driver
     * calls {@link #leave} once, when no chunk task of it runs any more (a chunk task still holding a lease after that
     * only delays the buffer's return to the pool).
     */
    final class Participant {
        private final BitSet needs;
        private final long startIndex;
        private boolean left;
        /** Made no progress while others waited for it: no one waits for it any more. */
        private boolean leftBehind;

        private Participant(BitSet needs, long startIndex) {
            this.needs = needs;
            this.startIndex = startIndex;
        }

        /**
         * Under the lock: the next chunk this copy will acquire in its order (from its start chunk up), or -1 when it
         * needs none there (done, or copying the chunks before its start at its end: then it is no one's laggard).
         */
        private long position() {
            return needs.nextSetBit((int) startIndex);
        }

        /** The chunk this copy should copy first to share what the scan holds (0 for a copy that starts it). */
        long startIndex() {
            return startIndex;
        }

        /**
         * The bytes of chunk {@code index}: read here with {@code reader} if no copy of the scan has them, else the
         * ones another copy read (waiting for its read to end). Release the lease when done with the bytes.
         *
         * @throws CopyException the read failed (here or in the copy that read it for the scan)
         */
        Lease acquire(long index, ChunkReader reader) throws CopyException {
            Entry entry;
            boolean readHere;
            synchronized (SharedScan.this) {
                needs.clear((int) index);
                SharedScan.this.notifyAll(); // this copy moved on: a copy waiting for it may read
                if (!entries.containsKey(index)) {
                    awaitLaggards(this, index);
                }
                entry = entries.get(index);
                readHere = entry == null;
                if (readHere) {
                    makeRoom();
                    entry = new Entry(index);
                    entries.put(index, entry);
                    frontier = Math.max(frontier, index + 1);
                }
                entry.leases++;
            }
            if (readHere) {
                ByteBuffer buffer = buffers.take(key.chunkSize());
                try {
                    reader.read(buffer.clear().limit(length(index)));
                } catch (CopyException | RuntimeException | Error e) {
                    synchronized (SharedScan.this) {
                        entries.remove(index, entry); // the next copy that asks reads it again
                        entry.leases--;
                    }
                    buffers.giveBack(buffer);
                    entry.ready.completeExceptionally(e);
                    throw e;
                }
                synchronized (SharedScan.this) {
                    entry.buffer = buffer;
                }
                entry.ready.complete(buffer);
                return new Lease(entry, buffer, true);
            }
            ByteBuffer bytes;
            try {
                bytes = awaitRead(entry);
            } catch (CopyException | RuntimeException | Error e) {
                synchronized (SharedScan.this) {
                    entry.leases--;
                }
                throw e;
            }
            return new Lease(entry, bytes, false);
        }

        /** This copy will not acquire chunk {@code index} (it lies in a source hole). */
        void pass(long index) {
            synchronized (SharedScan.this) {
                needs.clear((int) index);
                SharedScan.this.notifyAll();
                Entry entry = entries.get(index);
                if (entry != null) {
                    dropIfDone(entry);
                }
            }
        }

        /** This copy ends (done, failed or cancelled): the chunks only it still needed are freed. Idempotent. */
        void leave() {
            boolean last;
            synchronized (SharedScan.this) {
                if (left) {
                    return;
                }
                left = true;
                needs.clear();
                participants.remove(this);
                SharedScan.this.notifyAll();
                last = participants.isEmpty();
                if (last) {
                    closed = true;
                }
                for (Entry entry : entries.values().toArray(new Entry[0])) {
                    dropIfDone(entry);
                }
            }
            if (last) {
                registry.forget(SharedScan.this);
            }
        }
    }

    private static ByteBuffer awaitRead(Entry entry) throws CopyException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return entry.ready.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the reading copy ends its read in any case: wait for it
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof CopyException copy) {
                        // a copy of its own: each copy's driver may add suppressed failures to it
                        throw new CopyException(copy.kind(), copy.retryable(), copy.getMessage()
                                + " (read for every copy of this source)", copy.path(), copy.offset(), copy);
                    }
                    if (cause instanceof RuntimeException runtime) {
                        throw new IllegalStateException("reading chunk " + entry.index + " failed: " + runtime, runtime);
                    }
                    throw new IllegalStateException("reading chunk " + entry.index + " failed: " + cause, cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One copy's hold on a chunk's bytes. Used by one chunk task; {@link #release} once. */
    final class Lease {
        private final Entry entry;
        private final ByteBuffer bytes;
        private final boolean readHere;
        private boolean released;

        private Lease(Entry entry, ByteBuffer bytes, boolean readHere) {
            this.entry = entry;
            this.bytes = bytes;
            this.readHere = readHere;
        }

        /** The chunk's bytes (position 0, limit its length), read only by convention: shared by every copy. */
        ByteBuffer bytes() {
            return bytes.duplicate().position(0).limit(length(entry.index));
        }

        /** Whether this copy read the bytes from the source itself. */
        boolean readHere() {
            return readHere;
        }

        /** The chunk digest, computed by the first copy that asks and handed to the others. */
        byte[] digest(Function<ByteBuffer, byte[]> compute) {
            synchronized (entry) {
                if (entry.digest == null) {
                    entry.digest = compute.apply(bytes());
                }
                return entry.digest;
            }
        }

        /** Done with the bytes (written and digested). */
        void release() {
            synchronized (SharedScan.this) {
                if (released) {
                    return;
                }
                released = true;
                entry.leases--;
                dropIfDone(entry);
            }
        }
    }
}
