package org.clonefarm.worker.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The chunk digest algorithms and the disk digest, against the published check values of their specifications. */
class DiskDigestTest {
    private static final DiskDigest.Algorithm CRC = DiskDigest.Algorithm.CRC32C_CRC32;
    private static final DiskDigest.Algorithm SHA = DiskDigest.Algorithm.SHA256;

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    private static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** The CRC pair of "123456789" is CRC-32C's check value 0xE3069283 followed by CRC-32's 0xCBF43926. */
    @Test
    void crcPairOfTheCheckStringIsTheTwoPublishedCheckValues() {
        assertThat(hex(CRC.chunkDigest(ascii("123456789")))).isEqualTo("e3069283" + "cbf43926");
        assertThat(hex(CRC.chunkDigest(ascii("")))).isEqualTo("00000000" + "00000000");
    }

    /** SHA-256 of "abc" is the FIPS 180-2 example value. */
    @Test
    void sha256OfAbcIsTheFipsExample() {
        assertThat(hex(SHA.chunkDigest(ascii("abc"))))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    /** A digest reads the buffer's remaining bytes without moving it; direct and heap buffers agree. */
    @Test
    void aDigestLeavesTheBufferAndDependsOnlyOnItsBytes() {
        byte[] data = new byte[1 << 20];
        new Random(3).nextBytes(data);
        ByteBuffer heap = ByteBuffer.wrap(data).position(17);
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).position(17);
        for (DiskDigest.Algorithm algorithm : DiskDigest.Algorithm.values()) {
            byte[] fromHeap = algorithm.chunkDigest(heap);
            assertThat(heap.position()).isEqualTo(17);
            assertThat(algorithm.chunkDigest(direct)).isEqualTo(fromHeap).hasSize(algorithm.digestBytes());
        }
    }

    /** Every single flipped bit of a 4 MiB chunk changes its CRC pair (a CRC sees every burst of up to 32 bits). */
    @Test
    void everySingleBitFlipChangesTheCrcPair() {
        byte[] chunk = new byte[4 << 20];
        new Random(5).nextBytes(chunk);
        byte[] original = CRC.chunkDigest(ByteBuffer.wrap(chunk));
        Random positions = new Random(9);
        for (int i = 0; i < 200; i++) {
            int bit = positions.nextInt(chunk.length * 8);
            chunk[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThat(CRC.chunkDigest(ByteBuffer.wrap(chunk))).as("bit %d flipped", bit).isNotEqualTo(original);
            chunk[bit / 8] ^= (byte) (1 << (bit % 8));
        }
    }

    /**
     * The 64-bit claim: the generator polynomials of CRC-32C (0x1EDC6F41) and CRC-32 (0x04C11DB7) have no common
     * factor over GF(2), so the pair misses a change only if their product, of degree 64, divides it.
     */
    @Test
    void theTwoCrcPolynomialsHaveNoCommonFactor() {
        long castagnoli = 0x11EDC6F41L;
        long ieee = 0x104C11DB7L;
        assertThat(gcd(castagnoli, ieee)).isEqualTo(1L);
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long remainder = a;
            while (remainder != 0 && 63 - Long.numberOfLeadingZeros(remainder) >= 63 - Long.numberOfLeadingZeros(b)) {
                remainder ^= b << (Long.numberOfLeadingZeros(b) - Long.numberOfLeadingZeros(remainder));
            }
            a = b;
            b = remainder;
        }
        return a;
    }

    /** The disk digest is SHA-256 over the chunk digests in order, whatever the chunk algorithm. */
    @Test
    void theDiskDigestIsSha256OfTheChunkDigestsInOrder() {
        byte[] first = CRC.chunkDigest(ascii("first chunk"));
        byte[] second = CRC.chunkDigest(ascii("second"));
        DiskDigest disk = new DiskDigest(CRC);
        disk.addChunk(first);
        disk.addChunk(second);
        ByteBuffer both = ByteBuffer.allocate(16).put(first).put(second).flip();

        assertThat(disk.finish()).isEqualTo(hex(SHA.chunkDigest(both)));
        assertThatThrownBy(() -> new DiskDigest(CRC).addChunk(new byte[32]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("crc32c+crc32", "8 bytes");
    }

    /** The names and record codes are stable: they are in checkpoints, options, JSON and events. */
    @Test
    void namesAndCodesAreStable() {
        assertThat(DiskDigest.Algorithm.parse("sha256")).isEqualTo(SHA);
        assertThat(DiskDigest.Algorithm.parse("CRC32C+CRC32")).isEqualTo(CRC);
        assertThat(DiskDigest.Algorithm.ofCode((byte) 1)).isEqualTo(SHA);
        assertThat(DiskDigest.Algorithm.ofCode((byte) 2)).isEqualTo(CRC);
        assertThatThrownBy(() -> DiskDigest.Algorithm.parse("md5")).hasMessageContaining("sha256 or crc32c+crc32");
        assertThatThrownBy(() -> DiskDigest.Algorithm.ofCode((byte) 3)).hasMessageContaining("unknown");
    }
}
