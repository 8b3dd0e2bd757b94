package org.clonefarm.platform.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** EBCDIC 1047 converts as the Linux tools do: X'15' is newline, every byte round-trips. */
class EbcdicTest {

    /** X'15' reads as U+000A and X'25' as U+0085, whatever the JDK's IBM1047 charset says. */
    @Test
    void newlineIsX15AndLineFeedIsX25() {
        assertThat(Ebcdic.decodeChar((byte) 0x15)).isEqualTo('\n');
        assertThat(Ebcdic.decodeChar((byte) 0x25)).isEqualTo('\u0085');
        assertThat(Ebcdic.encodeChar('\n')).isEqualTo((byte) 0x15);
        assertThat(Ebcdic.encodeChar('\u0085')).isEqualTo((byte) 0x25);
    }

    /** All 256 bytes decode to distinct Latin-1 characters and encode back to themselves. */
    @Test
    void everyByteRoundTrips() {
        for (int b = 0; b < 256; b++) {
            char c = Ebcdic.decodeChar((byte) b);
            assertThat((int) c).isLessThanOrEqualTo(0xFF);
            assertThat(Ebcdic.encodeChar(c) & 0xFF).isEqualTo(b);
        }
    }

    /**
     * Code page 1047 as glibc's {@code iconv -f CP1047 -t ISO-8859-1} gives it, byte X'00' first: an independent
     * copy of the table, so the test needs no charset from the runtime (slim runtimes lack {@code jdk.charsets}).
     * glibc swaps the newline pair (X'15' to U+0085, X'25' to U+000A); the JDK's IBM1047 agrees at every other code.
     */
    private static final String CP1047_BY_ICONV =
            "000102039c09867f978d8e0b0c0d0e0f101112139d8508871819928f1c1d1e1f" +
            "80818283840a171b88898a8b8c050607909116939495960498999a9b14159e1a" +
            "20a0e2e4e0e1e3e5e7f1a22e3c282b7c26e9eaebe8edeeefecdf21242a293b5e" +
            "2d2fc2c4c0c1c3c5c7d1a62c255f3e3ff8c9cacbc8cdcecfcc603a2340273d22" +
            "d8616263646566676869abbbf0fdfeb1b06a6b6c6d6e6f707172aabae6b8c6a4" +
            "b57e737475767778797aa1bfd05bdeaeaca3a5b7a9a7b6bcbdbedda8af5db4d7" +
            "7b414243444546474849adf4f6f2f3f57d4a4b4c4d4e4f505152b9fbfcf9faff" +
            "5cf7535455565758595ab2d4d6d2d3d530313233343536373839b3dbdcd9da9f";

    /** Apart from X'15' and X'25', the table agrees with code page 1047 as iconv and the JDK convert it. */
    @Test
    void agreesWithCodePage1047ApartFromTheNewlinePair() {
        byte[] latin1 = HexFormat.of().parseHex(CP1047_BY_ICONV);
        assertThat(latin1).hasSize(256);
        for (int b = 0; b < 256; b++) {
            if (b == 0x15 || b == 0x25) {
                continue;
            }
            assertThat((int) Ebcdic.decodeChar((byte) b)).as("X'%02X'", b).isEqualTo(latin1[b] & 0xFF);
        }
    }

    /** Common text has the familiar codes: letters, digits, blank, colon, period, brackets. */
    @Test
    void encodesTextWithTheFamiliarCodes() {
        assertThat(HexFormat.of().formatHex(Ebcdic.encode("Az09 :.[]"))).isEqualTo("c1a9f0f9407a4badbd");
        assertThat(Ebcdic.decode(Ebcdic.encode("linux001.example.com"))).isEqualTo("linux001.example.com");
    }

    /** A newline cannot be part of a record, and characters outside Latin-1 have no code. */
    @Test
    void refusesNewlinesAndCharactersOutsideLatin1() {
        assertThatThrownBy(() -> Ebcdic.encode("a\nb")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("newline at position 2");
        assertThatThrownBy(() -> Ebcdic.encode("x€")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("U+20AC");
    }
}
