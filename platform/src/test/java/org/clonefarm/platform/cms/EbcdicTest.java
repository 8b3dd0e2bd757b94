package org.clonefarm.platform.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.Charset;
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

    /** Apart from X'15' and X'25', the table agrees with the JDK's IBM1047 where the JDK has it. */
    @Test
    void agreesWithTheJdkCodePageApartFromTheNewlinePair() {
        if (!Charset.isSupported("IBM1047")) {
            return; // a runtime without jdk.charsets: nothing to compare with, the table stands alone
        }
        Charset jdk = Charset.forName("IBM1047");
        for (int b = 0; b < 256; b++) {
            if (b == 0x15 || b == 0x25) {
                continue;
            }
            String expected = new String(new byte[] {(byte) b}, jdk);
            assertThat(String.valueOf(Ebcdic.decodeChar((byte) b))).as("X'%02X'", b).isEqualTo(expected);
        }
    }

    /** Common text has the familiar codes: letters, digits, blank, colon, period, brackets. */
    @Test
    void encodesTextWithTheFamiliarCodes() {
        assertThat(java.util.HexFormat.of().formatHex(Ebcdic.encode("Az09 :.[]"))).isEqualTo("c1a9f0f9407a4badbd");
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
