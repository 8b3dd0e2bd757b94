package org.clonefarm.worker.copy.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.clonefarm.worker.copy.CopyException;
import org.clonefarm.worker.copy.CopyOptions;
import org.clonefarm.worker.copy.DiskDigest;

/**
 * Copies one chunk: positional read of the source, zero check, SHA-256, then (unless the target is
 * known to hold the bytes already) positional write or in-kernel transfer to the target. Does not
 * force: durability is the driver's batch. Thread-safe: chunk tasks of one copy call it concurrently,
 * each with its own {@link ChunkSlot}.
 */
final class ChunkCopier {
    private final ResolvedPlan plan;
    private final CopyOptions options;
    private final long zeroFrom;
    private final FileChannel source;
    private final FileChannel target;
    private final ByteBuffer zeros;
    private final ConcurrentMap<Integer, byte[]> zeroDigests = new ConcurrentHashMap<>();

    ChunkCopier(ResolvedPlan plan, CopyOptions options, long zeroFrom, FileChannel source, FileChannel target) {
        this.plan = plan;
        this.options = options;
        this.zeroFrom = zeroFrom;
        this.source = source;
        this.target = target;
        this.zeros = ByteBuffer.allocateDirect(options.chunkSize()).asReadOnlyBuffer();
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
        ByteBuffer bytes = slot.buffer.clear().limit(length);
        readFully(source, bytes, plan.sourceOffset() + offset, true);
        bytes.flip();
        boolean zero = isZero(bytes);
        byte[] digest = zero ? zeroDigest(length) : DiskDigest.chunkDigest(bytes);
        if (zero && offset >= zeroFrom) {
            return new ChunkOutcome(index, length, digest, ChunkOutcome.Disposition.ZERO);
        }
        if (options.resumeByCompare() && targetHolds(offset, length, digest, slot)) {
            return new ChunkOutcome(index, length, digest, ChunkOutcome.Disposition.SAME);
        }
        long at = plan.targetOffset() + offset;
        try {
            if (options.ioMode() == CopyOptions.IoMode.TRANSFER_TO) {
                transfer(slot, plan.sourceOffset() + offset, length, at);
            } else {
                while (bytes.hasRemaining()) {
                    target.write(bytes, at + bytes.position());
                }
            }
        } catch (IOException e) {
            throw IoFailures.of(e, "write", plan.target(), at);
        }
        return new ChunkOutcome(index, length, digest, ChunkOutcome.Disposition.WRITTEN);
    }

    /** SHA-256 of the target's bytes of chunk {@code index} (verify). */
    byte[] targetDigest(long index, ChunkSlot slot) throws CopyException {
        ByteBuffer bytes = slot.buffer.clear().limit(chunkLength(index));
        readFully(target, bytes, plan.targetOffset() + chunkOffset(index), false);
        bytes.flip();
        return DiskDigest.chunkDigest(bytes);
    }

    private boolean targetHolds(long offset, int length, byte[] digest, ChunkSlot slot) throws CopyException {
        long at = plan.targetOffset() + offset;
        ByteBuffer existing = slot.compareBuffer().clear().limit(length);
        try {
            while (existing.hasRemaining()) {
                if (target.read(existing, at + existing.position()) < 0) {
                    return false; // the target file ends here: it does not hold these bytes yet
                }
            }
        } catch (IOException e) {
            throw IoFailures.of(e, "read (to compare)", plan.target(), at);
        }
        existing.flip();
        return Arrays.equals(digest, DiskDigest.chunkDigest(existing));
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

    private void readFully(FileChannel channel, ByteBuffer into, long at, boolean isSource) throws CopyException {
        java.nio.file.Path path = isSource ? plan.source() : plan.target();
        try {
            while (into.hasRemaining()) {
                if (channel.read(into, at + into.position()) < 0) {
                    long end = at + into.position();
                    if (isSource) {
                        throw new CopyException(CopyException.Kind.SOURCE_CHANGED, "source " + path + " ended at "
                                + end + " during the copy, before the " + plan.length() + " bytes it had when the copy"
                                + " was planned; someone truncated or replaced it", path, end, null);
                    }
                    throw new CopyException(CopyException.Kind.IO, "target " + path + " ends at " + end
                            + ", inside the copied extent", path, end, null);
                }
            }
        } catch (IOException e) {
            throw IoFailures.of(e, "read", path, at + into.position());
        }
    }

    private boolean isZero(ByteBuffer bytes) {
        return bytes.mismatch(zeros.duplicate().limit(bytes.remaining())) == -1;
    }

    private byte[] zeroDigest(int length) {
        return zeroDigests.computeIfAbsent(length, n -> DiskDigest.chunkDigest(zeros.duplicate().limit(n)));
    }
}
