package org.clonefarm.platform.cms;

import java.util.Arrays;

/**
 * EBCDIC code page 1047 with X'15' as the newline character U+000A and X'25' as U+0085 (NEL), as CMS
 * ends text lines and as the JDK 17 here maps {@code IBM1047}. glibc's {@code iconv} CP1047 swaps those two
 * (X'15' to U+0085, X'25' to U+000A; checked with {@code iconv -f CP1047}); every other code agrees with it
 * ({@code EbcdicTest}).
 *
 * <p>The table is held here rather than taken from the JDK's {@code IBM1047} charset because JDKs
 * differ on exactly those two code points (some map X'25' to LF) and because slim runtimes may lack
 * the {@code jdk.charsets} module. Record data never contains a newline: records are lines without
 * their terminators, so {@link #encode} refuses U+000A and U+000D, which would otherwise split a
 * record when a Linux tool prints it in text mode.
 *
 * <p>Stateless and thread-safe.
 */
public final class Ebcdic {

    /** EBCDIC blank (X'40'), the pad byte of F records, names and types. */
    public static final byte BLANK = 0x40;

    /** EBCDIC newline, converted to U+000A. */
    public static final int NEWLINE = 0x15;

    /** EBCDIC line feed, converted to U+0085 (NEL). */
    public static final int LINE_FEED = 0x25;

    private static final String TO_UNICODE =
            "\u0000\u0001\u0002\u0003\u009c\u0009\u0086\u007f\u0097\u008d\u008e\u000b\u000c\r\u000e\u000f" +
            "\u0010\u0011\u0012\u0013\u009d\n\u0008\u0087\u0018\u0019\u0092\u008f\u001c\u001d\u001e\u001f" +
            "\u0080\u0081\u0082\u0083\u0084\u0085\u0017\u001b\u0088\u0089\u008a\u008b\u008c\u0005\u0006\u0007" +
            "\u0090\u0091\u0016\u0093\u0094\u0095\u0096\u0004\u0098\u0099\u009a\u009b\u0014\u0015\u009e\u001a" +
            "\u0020\u00a0\u00e2\u00e4\u00e0\u00e1\u00e3\u00e5\u00e7\u00f1\u00a2\u002e\u003c\u0028\u002b\u007c" +
            "\u0026\u00e9\u00ea\u00eb\u00e8\u00ed\u00ee\u00ef\u00ec\u00df\u0021\u0024\u002a\u0029\u003b\u005e" +
            "\u002d\u002f\u00c2\u00c4\u00c0\u00c1\u00c3\u00c5\u00c7\u00d1\u00a6\u002c\u0025\u005f\u003e\u003f" +
            "\u00f8\u00c9\u00ca\u00cb\u00c8\u00cd\u00ce\u00cf\u00cc\u0060\u003a\u0023\u0040\u0027\u003d\"" +
            "\u00d8\u0061\u0062\u0063\u0064\u0065\u0066\u0067\u0068\u0069\u00ab\u00bb\u00f0\u00fd\u00fe\u00b1" +
            "\u00b0\u006a\u006b\u006c\u006d\u006e\u006f\u0070\u0071\u0072\u00aa\u00ba\u00e6\u00b8\u00c6\u00a4" +
            "\u00b5\u007e\u0073\u0074\u0075\u0076\u0077\u0078\u0079\u007a\u00a1\u00bf\u00d0\u005b\u00de\u00ae" +
            "\u00ac\u00a3\u00a5\u00b7\u00a9\u00a7\u00b6\u00bc\u00bd\u00be\u00dd\u00a8\u00af\u005d\u00b4\u00d7" +
            "\u007b\u0041\u0042\u0043\u0044\u0045\u0046\u0047\u0048\u0049\u00ad\u00f4\u00f6\u00f2\u00f3\u00f5" +
            "\u007d\u004a\u004b\u004c\u004d\u004e\u004f\u0050\u0051\u0052\u00b9\u00fb\u00fc\u00f9\u00fa\u00ff" +
            "\\\u00f7\u0053\u0054\u0055\u0056\u0057\u0058\u0059\u005a\u00b2\u00d4\u00d6\u00d2\u00d3\u00d5" +
            "\u0030\u0031\u0032\u0033\u0034\u0035\u0036\u0037\u0038\u0039\u00b3\u00db\u00dc\u00d9\u00da\u009f"
;

    private static final char[] DECODE = new char[256];
    private static final byte[] ENCODE = new byte[256];

    static {
        for (int code = 0; code < 256; code++) {
            DECODE[code] = TO_UNICODE.charAt(code);
        }
        // The two code points the Linux tools fix and JDKs disagree on: pinned here, whatever the table says.
        DECODE[NEWLINE] = '\n';
        DECODE[LINE_FEED] = '\u0085';
        Arrays.fill(ENCODE, (byte) 0);
        boolean[] seen = new boolean[256];
        for (int code = 0; code < 256; code++) {
            char unicode = DECODE[code];
            if (unicode > 0xFF || seen[unicode]) {
                throw new ExceptionInInitializerError("EBCDIC 1047 table is not a permutation of Latin-1 at X'"
                        + Integer.toHexString(code) + "'");
            }
            seen[unicode] = true;
            ENCODE[unicode] = (byte) code;
        }
    }

    private Ebcdic() {
    }

    /** Converts EBCDIC 1047 bytes to text; every byte maps to one ISO-8859-1 character. */
    public static String decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    /** Converts {@code length} EBCDIC 1047 bytes from {@code offset} to text. */
    public static String decode(byte[] bytes, int offset, int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = DECODE[bytes[offset + i] & 0xFF];
        }
        return new String(chars);
    }

    /**
     * Converts text to EBCDIC 1047 bytes.
     *
     * @throws IllegalArgumentException naming the character and its position if the text holds a
     *     character outside ISO-8859-1, or a newline / carriage return (not allowed inside a record)
     */
    public static byte[] encode(String text) {
        byte[] bytes = new byte[text.length()];
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > 0xFF) {
                throw new IllegalArgumentException("character U+" + String.format("%04X", (int) c) + " at position "
                        + (i + 1) + " has no EBCDIC 1047 code (only ISO-8859-1 characters can be written)");
            }
            if (c == '\n' || c == '\r') {
                throw new IllegalArgumentException("a " + (c == '\n' ? "newline" : "carriage return")
                        + " at position " + (i + 1) + " cannot be part of a record: records are lines without terminators");
            }
            bytes[i] = ENCODE[c];
        }
        return bytes;
    }

    /** Converts one ISO-8859-1 character; any character including newline (X'15'). */
    public static byte encodeChar(char c) {
        if (c > 0xFF) {
            throw new IllegalArgumentException("character U+" + String.format("%04X", (int) c) + " has no EBCDIC 1047 code");
        }
        return ENCODE[c];
    }

    /** Converts one EBCDIC byte. */
    public static char decodeChar(byte b) {
        return DECODE[b & 0xFF];
    }
}
