package org.clonefarm.worker.copy.internal;

import java.nio.ByteBuffer;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The chunk buffers of one engine's copies, kept for the next copy instead of being left to the
 * garbage collector. A direct buffer of a chunk is native memory that is zeroed when it is made and
 * freed only when a collection finds it unreachable; a worker copying clone after clone would make
 * several chunk buffers per disk, page-fault and zero them, and hold gigabytes of dead ones between
 * collections. With the pool, a worker's native memory for chunks stays at the most its copies had in
 * flight at once, and a new copy starts with buffers that are already mapped.
 *
 * <p>Contract: {@link #take} hands out an aligned buffer (for direct I/O) of exactly the asked
 * capacity whose <b>contents are undefined</b> (a previous copy's bytes); the taker owns it alone
 * until it gives it back with {@link #giveBack}, after which it must not touch it. A buffer that may
 * still be in use (a chunk task that did not end) must never be given back. At most
 * {@code retainBytes} are kept idle; buffers beyond that are dropped for the collector. {@link #zeros}
 * is one shared read-only buffer of zeros per size, never handed out for writing.
 *
 * <p>Thread-safe.
 */
public final class AlignedBufferPool {
    /** What a pool keeps idle by default: 64 chunks of the default 4 MiB. */
    public static final long DEFAULT_RETAIN_BYTES = 256L << 20;

    private final long retainBytes;
    private final AtomicLong idleBytes = new AtomicLong();
    private final Map<Integer, Deque<ByteBuffer>> idle = new ConcurrentHashMap<>();
    private final Map<Integer, ByteBuffer> zeros = new ConcurrentHashMap<>();

    /** @param retainBytes how many bytes of idle buffers to keep at most (0 keeps none) */
    public AlignedBufferPool(long retainBytes) {
        if (retainBytes < 0) {
            throw new IllegalArgumentException("retainBytes must not be negative, got " + retainBytes);
        }
        this.retainBytes = retainBytes;
    }

    /** An aligned buffer of {@code capacity} bytes, position 0 and limit {@code capacity}; contents undefined. */
    ByteBuffer take(int capacity) {
        Deque<ByteBuffer> buffers = idle.get(capacity);
        ByteBuffer buffer = buffers == null ? null : buffers.pollFirst();
        if (buffer == null) {
            return ExtentChannels.alignedBuffer(capacity);
        }
        idleBytes.addAndGet(-capacity);
        return buffer.clear();
    }

    /** Takes back a buffer from {@link #take} that nothing uses any more. */
    void giveBack(ByteBuffer buffer) {
        int capacity = buffer.capacity();
        if (buffer.isReadOnly() || !buffer.isDirect()) {
            throw new IllegalArgumentException("not a buffer of this pool: " + buffer);
        }
        if (idleBytes.addAndGet(capacity) > retainBytes) {
            idleBytes.addAndGet(-capacity); // full: the collector frees it
            return;
        }
        idle.computeIfAbsent(capacity, c -> new ConcurrentLinkedDeque<>()).addFirst(buffer);
    }

    /** A read-only, aligned buffer of {@code capacity} zeros, shared: take duplicates or slices of it. */
    ByteBuffer zeros(int capacity) {
        return zeros.computeIfAbsent(capacity, c -> ExtentChannels.alignedBuffer(c).asReadOnlyBuffer());
    }

    /** Bytes of idle buffers kept now (for tests and metrics). */
    public long idleBytes() {
        return idleBytes.get();
    }
}
