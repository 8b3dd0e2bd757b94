package org.clonefarm.worker.copy.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.clonefarm.worker.copy.CheckpointLayout;
import org.clonefarm.worker.copy.DiskDigest;

/**
 * The on-disk layout of checkpoint records in RocksDB. Stateless, thread-safe.
 *
 * <pre>
 * layout record  key:   'L' copyId(UTF-8)
 *                value: version(1 byte = 2) chunkSize(int32 BE) bytesTotal(int64 BE) zeroFrom(int64 BE)
 *                       digestAlgorithm(1 byte: {@link DiskDigest.Algorithm#code()}, 1 sha256, 2 crc32c+crc32)
 *                  or, written before digests had a choice (version 1, still read):
 *                       version(1 byte = 1) chunkSize bytesTotal zeroFrom, the algorithm being sha256
 * chunk record   key:   'C' copyId(UTF-8) 0x00 chunkIndex(int64 BE)
 *                value: the chunk digest, of the layout's algorithm (32 bytes sha256, 8 crc32c+crc32)
 * storage copy   key:   'S' copyId(UTF-8)
 *                value: version(1 byte = 1) bytesTotal(int64 BE): the storage (FLASHCOPY) copied it whole
 * </pre>
 *
 * Copy ids contain no NUL, so the chunk records of one copy are exactly the keys between
 * {@code 'C' copyId 0x00} and {@code 'C' copyId 0x01}, in chunk order. Chunk records carry no
 * algorithm of their own: they are only ever written under a layout (a new layout deletes the old
 * chunk records in the same batch), so the layout's algorithm is theirs.
 */
public final class CheckpointRecords {
    private static final byte VERSION = 2;
    private static final byte VERSION_SHA256_ONLY = 1;
    private static final byte STORAGE_COPY_VERSION = 1;
    private static final int LAYOUT_BYTES = 1 + 4 + 8 + 8 + 1;
    private static final int LAYOUT_BYTES_V1 = 1 + 4 + 8 + 8;

    private CheckpointRecords() {
    }

    public static byte[] layoutKey(String copyId) {
        return prefixed('L', copyId, 0);
    }

    public static byte[] storageCopyKey(String copyId) {
        return prefixed('S', copyId, 0);
    }

    public static byte[] encodeStorageCopy(long bytesTotal) {
        return ByteBuffer.allocate(9).put(STORAGE_COPY_VERSION).putLong(bytesTotal).array();
    }

    public static long decodeStorageCopy(byte[] value) {
        if (value.length != 9 || value[0] != STORAGE_COPY_VERSION) {
            throw new IllegalStateException("storage copy record of " + value.length + " bytes, version "
                    + (value.length > 0 ? value[0] : -1) + ": expected version " + STORAGE_COPY_VERSION);
        }
        return ByteBuffer.wrap(value, 1, 8).getLong();
    }

    public static byte[] chunkPrefix(String copyId) {
        byte[] key = prefixed('C', copyId, 1);
        key[key.length - 1] = 0;
        return key;
    }

    public static byte[] chunkPrefixEnd(String copyId) {
        byte[] key = prefixed('C', copyId, 1);
        key[key.length - 1] = 1;
        return key;
    }

    public static byte[] chunkKey(String copyId, long index) {
        byte[] prefix = chunkPrefix(copyId);
        return ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(index).array();
    }

    /** The chunk index of a chunk record's key of {@code copyId}. */
    public static long chunkIndex(String copyId, byte[] key) {
        int prefix = chunkPrefix(copyId).length;
        if (key.length != prefix + 8) {
            throw new IllegalStateException("corrupt checkpoint key of " + copyId + ": " + key.length + " bytes");
        }
        return ByteBuffer.wrap(key, prefix, 8).getLong();
    }

    /** A chunk record's value: the digest, checked against the length of the layout's algorithm. */
    public static byte[] chunkDigest(byte[] value, DiskDigest.Algorithm algorithm) {
        if (value.length != algorithm.digestBytes()) {
            throw new IllegalStateException("corrupt chunk checkpoint: " + value.length + " bytes, a " + algorithm
                    + " digest has " + algorithm.digestBytes());
        }
        return value;
    }

    public static byte[] encodeLayout(CheckpointLayout layout) {
        return ByteBuffer.allocate(LAYOUT_BYTES).put(VERSION).putInt(layout.chunkSize())
                .putLong(layout.bytesTotal()).putLong(layout.zeroFrom()).put(layout.digest().code()).array();
    }

    /** A layout record of version 2, or of version 1 (sha256, from before the algorithm was recorded). */
    public static CheckpointLayout decodeLayout(byte[] value) {
        boolean v2 = value.length == LAYOUT_BYTES && value[0] == VERSION;
        boolean v1 = value.length == LAYOUT_BYTES_V1 && value[0] == VERSION_SHA256_ONLY;
        if (!v1 && !v2) {
            throw new IllegalStateException("checkpoint layout record of " + value.length + " bytes, version "
                    + (value.length > 0 ? value[0] : -1) + ": expected version " + VERSION + " (" + LAYOUT_BYTES
                    + " bytes) or " + VERSION_SHA256_ONLY + " (" + LAYOUT_BYTES_V1 + " bytes)");
        }
        ByteBuffer in = ByteBuffer.wrap(value, 1, value.length - 1);
        int chunkSize = in.getInt();
        long bytesTotal = in.getLong();
        long zeroFrom = in.getLong();
        DiskDigest.Algorithm digest;
        try {
            digest = v2 ? DiskDigest.Algorithm.ofCode(in.get()) : DiskDigest.Algorithm.SHA256;
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("checkpoint layout record: " + e.getMessage(), e);
        }
        return new CheckpointLayout(chunkSize, bytesTotal, zeroFrom, digest);
    }

    /**
     * A version 1 layout record, as clonefarm wrote them before digests had a choice. Visible for testing:
     * the tests prove that such records are still read, as sha256.
     */
    public static byte[] encodeLayoutVersion1(int chunkSize, long bytesTotal, long zeroFrom) {
        return ByteBuffer.allocate(LAYOUT_BYTES_V1).put(VERSION_SHA256_ONLY).putInt(chunkSize).putLong(bytesTotal)
                .putLong(zeroFrom).array();
    }

    private static byte[] prefixed(char type, String copyId, int extra) {
        byte[] id = copyId.getBytes(StandardCharsets.UTF_8);
        byte[] key = Arrays.copyOf(new byte[] {(byte) type}, 1 + id.length + extra);
        System.arraycopy(id, 0, key, 1, id.length);
        return key;
    }
}
