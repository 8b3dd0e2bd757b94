package org.clonefarm.worker.copy.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.clonefarm.worker.copy.CopyException;
import org.clonefarm.worker.copy.CopyOptions;
import org.clonefarm.worker.copy.DiskDigest;

/**
 * Copies one chunk: positional read of the source, zero check, SHA-256, then (unless the target is
 * known to hold the bytes already) positional write or in-kernel transfer to the target. Where the
 * target reads as zeros, only the chunk's non-zero 4 KiB runs are written, so a sparse target stays
 * as sparse as the data allows. Does not force: durability is the driver's batch. Thread-safe: chunk
 * tasks of one copy call it concurrently, each with its own {@link ChunkSlot}.
 */
final class ChunkCopier {
    private static final int BLOCK = ExtentChannels.ALIGNMENT;

    private final ResolvedPlan plan;
    private final CopyOptions options;
    private final long zeroFrom;
    private final ExtentChannels channels;
    private final ByteBuffer zeros;
    private final ConcurrentMap<Integer, byte[]> zeroDigests = new ConcurrentHashMap<>();

    ChunkCopier(ResolvedPlan plan, CopyOptions options, long zeroFrom, ExtentChannels channels) {
        this.plan = plan;
        this.options = options;
        this.zeroFrom = zeroFrom;
        this.channels = channels;
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
        readFully(bytes, plan.sourceOffset() + offset, true);
        bytes.flip();
        boolean targetZero = offset >= zeroFrom;
        boolean zero = isZero(bytes);
        byte[] digest = zero ? zeroDigest(length) : DiskDigest.chunkDigest(bytes);
        if (zero && targetZero) {
            return new ChunkOutcome(index, length, digest, 0, ChunkOutcome.Disposition.ZERO);
        }
        if (options.resumeByCompare() && targetHolds(offset, length, digest, slot)) {
            return new ChunkOutcome(index, length, digest, 0, ChunkOutcome.Disposition.SAME);
        }
        long at = plan.targetOffset() + offset;
        long written;
        try {
            if (options.ioMode() == CopyOptions.IoMode.TRANSFER_TO) {
                transfer(slot, plan.sourceOffset() + offset, length, at);
                written = length;
            } else if (targetZero) {
                written = writeNonZeroRuns(bytes, at);
            } else {
                writeFully(bytes, at);
                written = length;
            }
        } catch (IOException e) {
            throw IoFailures.of(e, "write", plan.target(), at);
        }
        return new ChunkOutcome(index, length, digest, written, ChunkOutcome.Disposition.WRITTEN);
    }

    /** SHA-256 of the target's bytes of chunk {@code index} (verify); direct reads where aligned. */
    byte[] targetDigest(long index, ChunkSlot slot) throws CopyException {
        ByteBuffer bytes = slot.buffer.clear().limit(chunkLength(index));
        readFully(bytes, plan.targetOffset() + chunkOffset(index), false);
        bytes.flip();
        return DiskDigest.chunkDigest(bytes);
    }

    private long writeNonZeroRuns(ByteBuffer chunk, long at) throws IOException {
        long written = 0;
        int end = chunk.limit();
        int block = 0;
        while (block < end) {
            while (block < end && isZero(chunk.duplicate().position(block).limit(Math.min(end, block + BLOCK)))) {
                block += BLOCK;
            }
            int runStart = block;
            while (block < end && !isZero(chunk.duplicate().position(block).limit(Math.min(end, block + BLOCK)))) {
                block += BLOCK;
            }
            int runEnd = Math.min(end, block);
            if (runEnd > runStart) {
                writeFully(chunk.duplicate().position(runStart).limit(runEnd), at + runStart);
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

    private boolean targetHolds(long offset, int length, byte[] digest, ChunkSlot slot) throws CopyException {
        long at = plan.targetOffset() + offset;
        ByteBuffer existing = slot.compareBuffer().clear().limit(length);
        try {
            while (existing.hasRemaining()) {
                if (channels.readTarget(existing, at + existing.position()) < 0) {
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

    private boolean isZero(ByteBuffer bytes) {
        return bytes.mismatch(zeros.duplicate().limit(bytes.remaining())) == -1;
    }

    private byte[] zeroDigest(int length) {
        return zeroDigests.computeIfAbsent(length, n -> DiskDigest.chunkDigest(zeros.duplicate().limit(n)));
    }
}
