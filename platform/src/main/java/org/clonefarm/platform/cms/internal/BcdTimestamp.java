package org.clonefarm.platform.cms.internal;

import java.time.DateTimeException;
import java.time.LocalDateTime;

/**
 * The 6-byte packed-decimal timestamp of the volume label (ADTDCRED) and the FST (FSTADATI):
 * YY MM DD hh mm ss, two decimal digits per byte; the century is a separate flag. Also the old
 * 2-byte BCD fields of the FST (FSTDATEW = MMDD, FSTTIMEW = HHMM). Stateless.
 */
public final class BcdTimestamp {

    /** Length of the full timestamp in bytes. */
    public static final int LENGTH = 6;

    private BcdTimestamp() {
    }

    /** Writes YY MM DD hh mm ss of {@code time} at {@code offset}. */
    public static void encode(LocalDateTime time, byte[] target, int offset) {
        target[offset] = bcd(time.getYear() % 100);
        target[offset + 1] = bcd(time.getMonthValue());
        target[offset + 2] = bcd(time.getDayOfMonth());
        target[offset + 3] = bcd(time.getHour());
        target[offset + 4] = bcd(time.getMinute());
        target[offset + 5] = bcd(time.getSecond());
    }

    /** Whether the year needs the "20xx" century flag. */
    public static boolean twentyFirstCentury(LocalDateTime time) {
        return time.getYear() >= 2000;
    }

    /**
     * Reads YY MM DD hh mm ss at {@code offset}.
     *
     * @return the time, or null when the bytes are not a valid BCD date (a date never makes data wrong,
     *     so it is reported as unknown rather than refused)
     */
    public static LocalDateTime decode(byte[] source, int offset, boolean twentyFirstCentury) {
        int[] parts = new int[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            parts[i] = unbcd(source[offset + i]);
            if (parts[i] < 0) {
                return null;
            }
        }
        try {
            return LocalDateTime.of((twentyFirstCentury ? 2000 : 1900) + parts[0], parts[1], parts[2], parts[3],
                    parts[4], parts[5]);
        } catch (DateTimeException e) {
            return null;
        }
    }

    /** Two decimal digits in one byte: 59 -> X'59'. */
    public static byte bcd(int value) {
        if (value < 0 || value > 99) {
            throw new IllegalArgumentException("BCD value must be 0 to 99, got " + value);
        }
        return (byte) (((value / 10) << 4) | (value % 10));
    }

    private static int unbcd(byte b) {
        int high = (b >> 4) & 0xF;
        int low = b & 0xF;
        if (high > 9 || low > 9) {
            return -1;
        }
        return high * 10 + low;
    }
}
