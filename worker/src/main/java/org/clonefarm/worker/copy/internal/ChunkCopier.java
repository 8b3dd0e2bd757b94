package org.clonefarm.worker.copy.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import org.clonefarm.worker.copy.CopyException;
import org.clonefarm.worker.copy.CopyOptions;
import org.clonefarm.worker.copy.CopyPhases.Phase;
import org.clonefarm.worker.copy.DiskDigest;

/**
 * Copies one chunk: positional read of the source, zero check, then the positional write (or reflink, or
 * in-kernel transfer) to the target on a second executor thread while this one computes the chunk digest;
 * with resume by compare the target chunk is read and compared byte for byte first, since that decides
 * whether to write at all. A chunk that lies entirely in a hole of the source ({@link FileHoles}) is not
 * read: it is zeros. Where the target reads as zeros, only the chunk's non-zero 4 KiB runs are written, so
 * a sparse target stays as sparse as the data allows. Where source and target are files on one file
 * system that shares extents ({@link InKernelCopy}), a chunk that would be written is shared instead:
 * read and digested, but not written. Every step is timed into the run's {@link PhaseMeter}. Does not
 * force: durability is the driver's batch, and a chunk's outcome is returned only after its write has
 * ended. In a fan-out the source bytes and the digest come from the copy's {@link SharedScan} (read and hashed once
 * for every copy of the source), and everything after them is this copy's own. Thread-safe: chunk tasks of one copy call it concurrently, each with its own {@link ChunkSlot};
 * the writer executor must not be bounded (it is the engine's, see {@code CopyEngine}).
 */
final class ChunkCopier {
    private static final int BLOCK = ExtentChannels.ALIGNMENT;

    private final ResolvedPlan plan;
    private final CopyOptions options;
    private final DiskDigest.Algorithm algorithm;
    private final long zeroFrom;
    private final ExtentChannels channels;
    private final Executor writer;
    private final ByteBuffer zeros;
    private final PhaseMeter meter;
    private final ConcurrentMap<Integer, byte[]> zeroDigests = new ConcurrentHashMap<>();
    private final SharedScan.Participant scan;
    private final LongAdder sourceBytesRead = new LongAdder();

    /** @param scan the shared scan this copy reads the source through, or null to read every chunk itself */
    ChunkCopier(ResolvedPlan plan, CopyOptions options, long zeroFrom, ExtentChannels channels, Executor writer,
            AlignedBufferPool buffers, PhaseMeter meter, SharedScan.Participant scan) {
        this.plan = plan;
        this.scan = scan;
        this.writer = writer;
        this.options = options;
        this.algorithm = options.digest();
        this.zeroFrom = zeroFrom;
        this.channels = channels;
        this.meter = meter;
        // aligned, so a zero chunk written to a non-zero target can go O_DIRECT too
        this.zeros = buffers.zeros(options.chunkSize());
    }

    long chunkOffset(long index) {
        return index * options.chunkSize();
    }

    int chunkLength(long index) {
        return (int) Math.min(options.chunkSize(), plan.length() - chunkOffset(index));
    }

    ChunkOutcome copy(long index, ChunkSlot slot) throws CopyException {
        long offset = chunkOffset(index);
        int length = chunkLength(index);
        long[] clock = meter.start();
        boolean targetZero = offset >= zeroFrom || inTargetHole(offset, length);
        boolean sourceHole = inSourceHole(offset, length);
        clock = meter.stop(Phase.ZERO_SCAN, clock);
        if (sourceHole) {
            if (scan != null) {
                scan.pass(index);
            }
            return copyHole(index, offset, length, targetZero, slot, clock);
        }
        SharedScan.Lease lease = null;
        ByteBuffer bytes;
        if (scan == null) {
            bytes = slot.buffer.clear().limit(length);
            readFully(bytes, plan.sourceOffset() + offset, true);
            bytes.flip();
            sourceBytesRead.add(length);
        } else {
            // read once for every copy of this source (a fan-out): by this copy, or by the one that asked first
            lease = scan.acquire(index, into -> readFully(into, plan.sourceOffset() + offset, true));
            if (lease.readHere()) {
                sourceBytesRead.add(length);
            }
            bytes = lease.bytes();
        }
        try {
            clock = meter.stop(Phase.READ, clock);
            return copyRead(index, offset, length, bytes, targetZero, lease, slot, clock);
        } finally {
            if (lease != null) {
                lease.release(); // every write and digest of the bytes has ended
            }
        }
    }

    /** The rest of {@link #copy} once the chunk's source bytes are in {@code bytes}. */
    private ChunkOutcome copyRead(long index, long offset, int length, ByteBuffer bytes, boolean targetZero,
            SharedScan.Lease lease, ChunkSlot slot, long[] clock) throws CopyException {
        boolean zero = isZero(bytes, 0, length);
        clock = meter.stop(Phase.ZERO_SCAN, clock);
        if (zero && targetZero) {
            return new ChunkOutcome(index, length, zeroDigest(length), 0, ChunkOutcome.Disposition.ZERO, 0);
        }
        if (options.resumeByCompare()) {
            // the target's bytes decide whether to write: compare first (bytes, not digests: exact, and cheaper)
            boolean same = targetHolds(offset, bytes, slot);
            clock = meter.stop(Phase.READ, clock);
            byte[] digest = zero ? zeroDigest(length) : digestOf(bytes, lease);
            clock = meter.stop(Phase.HASH, clock);
            if (same) {
                return new ChunkOutcome(index, length, digest, 0, ChunkOutcome.Disposition.SAME, 0);
            }
            return put(index, bytes, offset, targetZero, digest, slot, clock);
        }
        if (zero || sharing()) {
            // zeros need no hashing (their digest is cached); a reflink is quick: no reason to overlap
            byte[] digest = zero ? zeroDigest(length) : digestOf(bytes, lease);
            clock = meter.stop(Phase.HASH, clock);
            return put(index, bytes, offset, targetZero, digest, slot, clock);
        }
        // the write goes to another thread while this one hashes the same (unchanging) buffer: the device
        // gets the chunk a hash-time earlier, which keeps more writes queued with the same chunks in flight
        CompletableFuture<Long> written = new CompletableFuture<>();
        writer.execute(() -> {
            try {
                long[] writeClock = meter.start();
                long n = write(bytes, offset, targetZero, slot);
                meter.stop(Phase.WRITE, writeClock);
                written.complete(n);
            } catch (CopyException | RuntimeException | Error e) {
                written.completeExceptionally(e);
            }
        });
        byte[] digest;
        try {
            digest = digestOf(bytes, lease);
            meter.stop(Phase.HASH, clock);
        } finally {
            // the buffer is in use until the write is done, whatever happens here
            awaitQuietly(written);
        }
        return new ChunkOutcome(index, length, digest, await(written), ChunkOutcome.Disposition.WRITTEN, 0);
    }

    /** The chunk digest of {@code bytes}: computed here, or once for every copy of a shared scan. */
    private byte[] digestOf(ByteBuffer bytes, SharedScan.Lease lease) {
        return lease == null ? algorithm.chunkDigest(bytes) : lease.digest(algorithm::chunkDigest);
    }

    /** Source bytes this copy read itself (chunks another copy of a shared scan read are not counted). */
    long sourceBytesRead() {
        return sourceBytesRead.sum();
    }

    /** Whether chunks may still be shared with the target (reflink) in this run. */
    private boolean sharing() {
        InKernelCopy kernel = channels.inKernel();
        return kernel != null && kernel.sharing();
    }

    /** Shares the chunk's extent with the target where possible, else writes it; on this thread. */
    private ChunkOutcome put(long index, ByteBuffer bytes, long offset, boolean targetZero, byte[] digest,
            ChunkSlot slot, long[] clock) throws CopyException {
        int length = bytes.remaining();
        if (share(offset, length)) {
            meter.stop(Phase.WRITE, clock);
            return new ChunkOutcome(index, length, digest, 0, ChunkOutcome.Disposition.SHARED, 0);
        }
        long written = write(bytes, offset, targetZero, slot);
        meter.stop(Phase.WRITE, clock);
        return new ChunkOutcome(index, length, digest, written, ChunkOutcome.Disposition.WRITTEN, 0);
    }

    /** Makes the target's chunk share the source's extent (reflink); false when it cannot here. */
    private boolean share(long offset, int length) throws CopyException {
        InKernelCopy kernel = channels.inKernel();
        if (kernel == null || !kernel.sharing()) {
            return false;
        }
        long at = plan.targetOffset() + offset;
        try {
            return kernel.share(plan.sourceOffset() + offset, length, at, channels.source.size());
        } catch (IOException e) {
            throw IoFailures.of(e, "share extents with", plan.target(), at);
        }
    }

    /** Writes the chunk in {@code bytes} (only its non-zero runs where the target reads as zeros); bytes written. */
    private long write(ByteBuffer bytes, long offset, boolean targetZero, ChunkSlot slot) throws CopyException {
        long at = plan.targetOffset() + offset;
        try {
            if (options.ioMode() == CopyOptions.IoMode.TRANSFER_TO) {
                InKernelCopy kernel = channels.inKernel();
                if (kernel == null || !kernel.copy(plan.sourceOffset() + offset, bytes.remaining(), at)) {
                    transfer(slot, plan.sourceOffset() + offset, bytes.remaining(), at);
                }
                return bytes.remaining();
            } else if (targetZero) {
                return writeNonZeroRuns(bytes.duplicate(), at);
            } else {
                writeFully(bytes.duplicate(), at);
                return bytes.remaining();
            }
        } catch (IOException e) {
            throw IoFailures.of(e, "write", plan.target(), at);
        }
    }

    private static void awaitQuietly(CompletableFuture<Long> written) {
        boolean interrupted = false;
        while (true) {
            try {
                written.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the buffer must not be reused before the write ends: wait on
            } catch (ExecutionException e) {
                break; // reported by await
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static long await(CompletableFuture<Long> written) throws CopyException {
        try {
            return written.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof CopyException copy) {
                throw copy;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /** Whether the file system says the chunk's source bytes are all in a hole (never true without a probe). */
    private boolean inSourceHole(long offset, int length) throws CopyException {
        FileHoles holes = channels.sourceHoles();
        if (holes == null) {
            return false;
        }
        long from = plan.sourceOffset() + offset;
        try {
            // past the end of the file is not a hole: a source that shrank is read, and fails as SOURCE_CHANGED
            return holes.isHole(from, length) && channels.source.size() >= from + length;
        } catch (IOException e) {
            throw IoFailures.of(e, "look for holes in", plan.source(), from);
        }
    }

    /**
     * Whether the chunk's target extent is a hole of the target file now, so it reads as zeros. Chunks
     * do not overlap and a chunk is written only by its own copy, so the answer holds until this chunk is
     * written; a chunk a crashed run wrote in part is no hole, and is written whole again.
     */
    private boolean inTargetHole(long offset, int length) throws CopyException {
        FileHoles holes = channels.targetHoles();
        if (holes == null) {
            return false;
        }
        long from = plan.targetOffset() + offset;
        try {
            return holes.isHole(from, length);
        } catch (IOException e) {
            throw IoFailures.of(e, "look for holes in", plan.target(), from);
        }
    }

    /**
     * A chunk in a source hole reads as zeros: its digest is the zero digest, nothing is read, and it is
     * shared (a hole onto the target) or written as zeros only where the target does not read as zeros already.
     */
    private ChunkOutcome copyHole(long index, long offset, int length, boolean targetZero, ChunkSlot slot,
            long[] clock) throws CopyException {
        byte[] digest = zeroDigest(length);
        if (targetZero) {
            return new ChunkOutcome(index, length, digest, 0, ChunkOutcome.Disposition.ZERO, length);
        }
        if (options.resumeByCompare()) {
            boolean same = targetIsZero(offset, length, slot);
            clock = meter.stop(Phase.READ, clock);
            if (same) {
                return new ChunkOutcome(index, length, digest, 0, ChunkOutcome.Disposition.SAME, length);
            }
        }
        if (share(offset, length)) {
            meter.stop(Phase.WRITE, clock);
            return new ChunkOutcome(index, length, digest, 0, ChunkOutcome.Disposition.SHARED, length);
        }
        long at = plan.targetOffset() + offset;
        try {
            writeFully(zeros.duplicate().limit(length), at);
        } catch (IOException e) {
            throw IoFailures.of(e, "write", plan.target(), at);
        }
        meter.stop(Phase.WRITE, clock);
        return new ChunkOutcome(index, length, digest, length, ChunkOutcome.Disposition.WRITTEN, length);
    }

    /** The chunk digest of the target's bytes of chunk {@code index} (verify); direct reads where aligned. */
    byte[] targetDigest(long index, ChunkSlot slot) throws CopyException {
        long[] clock = meter.start();
        ByteBuffer bytes = slot.buffer.clear().limit(chunkLength(index));
        readFully(bytes, plan.targetOffset() + chunkOffset(index), false);
        bytes.flip();
        clock = meter.stop(Phase.READ, clock);
        byte[] digest = algorithm.chunkDigest(bytes);
        meter.stop(Phase.HASH, clock);
        return digest;
    }

    private long writeNonZeroRuns(ByteBuffer chunk, long at) throws IOException {
        long written = 0;
        int end = chunk.limit();
        int block = 0;
        while (block < end) {
            while (block < end && isZeroBlock(chunk, block, Math.min(BLOCK, end - block))) {
                block += BLOCK;
            }
            int runStart = block;
            while (block < end && !isZeroBlock(chunk, block, Math.min(BLOCK, end - block))) {
                block += BLOCK;
            }
            int runEnd = Math.min(end, block);
            if (runEnd > runStart) {
                channels.allocateTarget(at + runStart, runEnd - runStart);
                writeFully(chunk.slice(runStart, runEnd - runStart), at + runStart);
                written += runEnd - runStart;
            }
        }
        return written;
    }

    private void writeFully(ByteBuffer bytes, long at) throws IOException {
        int start = bytes.position();
        while (bytes.hasRemaining()) {
            channels.writeTarget(bytes, at + bytes.position() - start);
        }
    }

    /** Whether the target's chunk at {@code offset} holds exactly {@code bytes} (read into the compare buffer). */
    private boolean targetHolds(long offset, ByteBuffer bytes, ChunkSlot slot) throws CopyException {
        ByteBuffer existing = readTargetToCompare(offset, bytes.remaining(), slot);
        return existing != null && existing.mismatch(bytes.duplicate()) == -1;
    }

    /** Whether the target's chunk at {@code offset} reads as zeros. */
    private boolean targetIsZero(long offset, int length, ChunkSlot slot) throws CopyException {
        ByteBuffer existing = readTargetToCompare(offset, length, slot);
        return existing != null && isZero(existing, 0, length);
    }

    /** The target's {@code length} bytes at chunk offset {@code offset}, or null where the target file ends first. */
    private ByteBuffer readTargetToCompare(long offset, int length, ChunkSlot slot) throws CopyException {
        long at = plan.targetOffset() + offset;
        ByteBuffer existing = slot.compareBuffer().clear().limit(length);
        try {
            while (existing.hasRemaining()) {
                if (channels.readTarget(existing, at + existing.position()) < 0) {
                    return null; // the target file ends here: it does not hold these bytes yet
                }
            }
        } catch (IOException e) {
            throw IoFailures.of(e, "read (to compare)", plan.target(), at);
        }
        return existing.flip();
    }

    private void transfer(ChunkSlot slot, long from, int length, long to) throws IOException {
        FileChannel out = slot.transferTarget(plan.target());
        out.position(to);
        long done = 0;
        while (done < length) {
            long moved = slot.transferSource(plan.source()).transferTo(from + done, length - done, out);
            if (moved <= 0) {
                throw new EOFException("source ended during transfer");
            }
            done += moved;
        }
    }

    private void readFully(ByteBuffer into, long at, boolean isSource) throws CopyException {
        Path path = isSource ? plan.source() : plan.target();
        try {
            while (into.hasRemaining()) {
                long position = at + into.position();
                int n = isSource ? channels.readSource(into, position) : channels.readTarget(into, position);
                if (n < 0) {
                    if (isSource) {
                        throw new CopyException(CopyException.Kind.SOURCE_CHANGED, "source " + path + " ended at "
                                + position + " during the copy, before the " + plan.length()
                                + " bytes it had when the copy was planned; someone truncated or replaced it",
                                path, position, null);
                    }
                    throw new CopyException(CopyException.Kind.IO, "target " + path + " ends at " + position
                            + ", inside the copied extent", path, position, null);
                }
            }
        } catch (IOException e) {
            throw IoFailures.of(e, "read", path, at + into.position());
        }
    }

    /**
     * {@link #isZero} for one block of a chunk: a block whose first 8 bytes are not all zero is not compared further.
     * Most data blocks end there, without a slice or a vector compare each: 131,072 blocks per 512 MiB written, and
     * the per-block slice and compare were the code the JIT compilers spent most of a short copy's CPU on.
     */
    private boolean isZeroBlock(ByteBuffer bytes, int from, int length) {
        if (length >= Long.BYTES && bytes.getLong(from) != 0) {
            return false;
        }
        return isZero(bytes, from, length);
    }

    /** Whether {@code bytes[from, from + length)} are all zero (vectorised compare against the zero buffer). */
    private boolean isZero(ByteBuffer bytes, int from, int length) {
        return bytes.slice(from, length).mismatch(zeros.slice(0, length)) == -1;
    }

    private byte[] zeroDigest(int length) {
        return zeroDigests.computeIfAbsent(length, n -> algorithm.chunkDigest(zeros.duplicate().limit(n)));
    }
}
