package org.clonefarm.worker.copy.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.clonefarm.worker.copy.CheckpointLayout;
import org.clonefarm.worker.copy.DiskDigest;

/**
 * The on-disk layout of checkpoint records in RocksDB (format version 1). Stateless, thread-safe.
 *
 * <pre>
 * layout record  key:   'L' copyId(UTF-8)
 *                value: version(1 byte = 1) chunkSize(int32 BE) bytesTotal(int64 BE) zeroFrom(int64 BE)
 * chunk record   key:   'C' copyId(UTF-8) 0x00 chunkIndex(int64 BE)
 *                value: SHA-256 of the chunk (32 bytes)
 * storage copy   key:   'S' copyId(UTF-8)
 *                value: version(1 byte = 1) bytesTotal(int64 BE): the storage (FLASHCOPY) copied it whole
 * </pre>
 *
 * Copy ids contain no NUL, so the chunk records of one copy are exactly the keys between
 * {@code 'C' copyId 0x00} and {@code 'C' copyId 0x01}, in chunk order.
 */
public final class CheckpointRecords {
    private static final byte VERSION = 1;
    private static final int LAYOUT_BYTES = 1 + 4 + 8 + 8;

    private CheckpointRecords() {
    }

    public static byte[] layoutKey(String copyId) {
        return prefixed('L', copyId, 0);
    }

    public static byte[] storageCopyKey(String copyId) {
        return prefixed('S', copyId, 0);
    }

    public static byte[] encodeStorageCopy(long bytesTotal) {
        return ByteBuffer.allocate(9).put(VERSION).putLong(bytesTotal).array();
    }

    public static long decodeStorageCopy(byte[] value) {
        if (value.length != 9 || value[0] != VERSION) {
            throw new IllegalStateException("storage copy record of " + value.length + " bytes, version "
                    + (value.length > 0 ? value[0] : -1) + ": expected version " + VERSION);
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

    public static byte[] chunkDigest(byte[] value) {
        if (value.length != DiskDigest.CHUNK_DIGEST_BYTES) {
            throw new IllegalStateException("corrupt chunk checkpoint: " + value.length + " bytes, expected 32");
        }
        return value;
    }

    public static byte[] encodeLayout(CheckpointLayout layout) {
        return ByteBuffer.allocate(LAYOUT_BYTES).put(VERSION).putInt(layout.chunkSize())
                .putLong(layout.bytesTotal()).putLong(layout.zeroFrom()).array();
    }

    public static CheckpointLayout decodeLayout(byte[] value) {
        if (value.length != LAYOUT_BYTES || value[0] != VERSION) {
            throw new IllegalStateException("checkpoint layout record of " + value.length
                    + " bytes, version " + (value.length > 0 ? value[0] : -1) + ": expected version " + VERSION);
        }
        ByteBuffer in = ByteBuffer.wrap(value, 1, LAYOUT_BYTES - 1);
        return new CheckpointLayout(in.getInt(), in.getLong(), in.getLong());
    }

    private static byte[] prefixed(char type, String copyId, int extra) {
        byte[] id = copyId.getBytes(StandardCharsets.UTF_8);
        byte[] key = Arrays.copyOf(new byte[] {(byte) type}, 1 + id.length + extra);
        System.arraycopy(id, 0, key, 1, id.length);
        return key;
    }
}
