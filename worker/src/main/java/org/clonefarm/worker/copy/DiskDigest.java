package org.clonefarm.worker.copy;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The digests of a copy, defined once here.
 *
 * <ul>
 *   <li><b>Chunk digest</b>: SHA-256 of the chunk's bytes. Chunk {@code i} covers source bytes
 *       {@code [offset + i*chunkSize, offset + min((i+1)*chunkSize, length))}; only the last chunk may
 *       be shorter.</li>
 *   <li><b>Disk digest</b>: SHA-256 of the concatenation of the 32-byte chunk digests in chunk order,
 *       written as 64 lower-case hex digits. It depends on the bytes and on the chunk size, so compare
 *       disk digests of copies made with the same chunk size (the result carries it). An empty extent
 *       has the SHA-256 of nothing.</li>
 * </ul>
 *
 * Because the disk digest is a function of the chunk digests alone, a copy resumed from checkpoints
 * (which store each chunk's digest) produces the same digest as an uninterrupted one without re-reading
 * the chunks it skips. Not thread-safe: one instance per copy (the static methods are thread-safe).
 */
public final class DiskDigest {
    /** Bytes of one chunk digest. */
    public static final int CHUNK_DIGEST_BYTES = 32;

    private final MessageDigest disk = sha256();

    /** Adds the next chunk's digest (chunks in order, from 0). */
    public void addChunk(byte[] chunkDigest) {
        if (chunkDigest.length != CHUNK_DIGEST_BYTES) {
            throw new IllegalArgumentException("a chunk digest has 32 bytes, got " + chunkDigest.length);
        }
        disk.update(chunkDigest);
    }

    /** The disk digest in hex; call once, after the last chunk. */
    public String finish() {
        return HexFormat.of().formatHex(disk.digest());
    }

    /** SHA-256 of the buffer's remaining bytes; the buffer's position is left unchanged. */
    public static byte[] chunkDigest(ByteBuffer bytes) {
        MessageDigest chunk = sha256();
        chunk.update(bytes.duplicate());
        return chunk.digest();
    }

    /** A new SHA-256 instance. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
