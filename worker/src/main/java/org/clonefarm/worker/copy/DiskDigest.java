package org.clonefarm.worker.copy;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * The digests of a copy, defined once here.
 *
 * <ul>
 *   <li><b>Chunk digest</b>: the chunk's bytes digested by the copy's {@link Algorithm}. Chunk {@code i}
 *       covers source bytes {@code [offset + i*chunkSize, offset + min((i+1)*chunkSize, length))}; only
 *       the last chunk may be shorter.</li>
 *   <li><b>Disk digest</b>: SHA-256 of the concatenation of the chunk digests in chunk order, written
 *       as 64 lower-case hex digits, whatever the chunk algorithm. It depends on the bytes, on the chunk
 *       size and on the algorithm, so compare disk digests of copies made with the same chunk size and
 *       algorithm (the result carries both). An empty extent has the SHA-256 of nothing.</li>
 * </ul>
 *
 * Because the disk digest is a function of the chunk digests alone, a copy resumed from checkpoints
 * (which store each chunk's digest and, in the layout, the algorithm) produces the same digest as an
 * uninterrupted one without re-reading the chunks it skips. Not thread-safe: one instance per copy (the
 * static methods and the algorithms are thread-safe).
 */
public final class DiskDigest {

    /**
     * How a chunk is digested. Each algorithm has a stable name (options, JSON, events) and a stable
     * code (checkpoint records); neither may ever be reused for another definition.
     */
    public enum Algorithm {
        /**
         * SHA-256 of the chunk (FIPS 180-4), 32 bytes. Cryptographic: no one can make two different chunks
         * with one digest, so equal digests prove equal bytes even where the bytes were chosen by someone
         * who would want them confused. About 0.7 to 1.5 CPU-s per GiB here (SHA-NI), the engine's largest
         * CPU cost when it is used.
         */
        SHA256("sha256", 1, 32),
        /**
         * The CRC-32C (Castagnoli, iSCSI; check value of "123456789" 0xE3069283) and then the CRC-32
         * (IEEE 802.3, zlib; check value 0xCBF43926) of the chunk, each as 4 big-endian bytes: 8 bytes.
         * Both are computed by the JDK with the CPU's CRC instructions, 0.08 CPU-s per GiB for the
         * pair here. Not cryptographic (anyone can make a chunk with a chosen checksum), but for changes
         * no one designed to collide it is a 64-bit check: the two generator polynomials have no common
         * factor, so a change goes unseen only if the product polynomial of degree 64 divides it, which
         * a random change does with probability 2^-64; every change within 32 consecutive bits is seen.
         */
        CRC32C_CRC32("crc32c+crc32", 2, 8);

        private final String id;
        private final byte code;
        private final int digestBytes;

        Algorithm(String id, int code, int digestBytes) {
            this.id = id;
            this.code = (byte) code;
            this.digestBytes = digestBytes;
        }

        /** The stable name: in options ({@code --digest}), in the JSON result and in events. */
        public String id() {
            return id;
        }

        /** The stable one-byte code in checkpoint records. */
        public byte code() {
            return code;
        }

        /** Bytes of one chunk digest. */
        public int digestBytes() {
            return digestBytes;
        }

        /** The chunk digest of the buffer's remaining bytes; the buffer's position is left unchanged. */
        public byte[] chunkDigest(ByteBuffer bytes) {
            if (this == SHA256) {
                MessageDigest chunk = sha256();
                chunk.update(bytes.duplicate());
                return chunk.digest();
            }
            CRC32C castagnoli = new CRC32C();
            castagnoli.update(bytes.duplicate());
            CRC32 ieee = new CRC32();
            ieee.update(bytes.duplicate());
            return ByteBuffer.allocate(8).putInt((int) castagnoli.getValue()).putInt((int) ieee.getValue()).array();
        }

        /** The algorithm of a record code, or an {@link IllegalArgumentException} naming the known codes. */
        public static Algorithm ofCode(byte code) {
            for (Algorithm algorithm : values()) {
                if (algorithm.code == code) {
                    return algorithm;
                }
            }
            throw new IllegalArgumentException("unknown chunk digest algorithm code " + code + " (known: 1 sha256, "
                    + "2 crc32c+crc32); written by a newer clonefarm?");
        }

        /** The algorithm named {@code name} ({@link #id()}, case-insensitive), or an exception listing the names. */
        public static Algorithm parse(String name) {
            String wanted = name.trim().toLowerCase(Locale.ROOT);
            for (Algorithm algorithm : values()) {
                if (algorithm.id.equals(wanted)) {
                    return algorithm;
                }
            }
            throw new IllegalArgumentException("unknown digest '" + name + "': use sha256 or crc32c+crc32");
        }

        @Override
        public String toString() {
            return id;
        }
    }

    private final Algorithm algorithm;
    private final MessageDigest disk = sha256();

    /** A disk digest over chunk digests of {@code algorithm}. */
    public DiskDigest(Algorithm algorithm) {
        this.algorithm = algorithm;
    }

    /** Adds the next chunk's digest (chunks in order, from 0). */
    public void addChunk(byte[] chunkDigest) {
        if (chunkDigest.length != algorithm.digestBytes()) {
            throw new IllegalArgumentException("a " + algorithm + " chunk digest has " + algorithm.digestBytes()
                    + " bytes, got " + chunkDigest.length);
        }
        disk.update(chunkDigest);
    }

    /** The disk digest in hex; call once, after the last chunk. */
    public String finish() {
        return HexFormat.of().formatHex(disk.digest());
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
