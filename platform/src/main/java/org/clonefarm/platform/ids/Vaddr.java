package org.clonefarm.platform.ids;

import java.util.Locale;

/**
 * A virtual device address: 1 to 4 hex digits, kept as exactly 4 upper-case digits ({@code 191}
 * becomes {@code 0191}). Immutable and thread-safe.
 *
 * @param value four upper-case hex digits
 */
public record Vaddr(String value) implements Comparable<Vaddr> {

    public Vaddr {
        if (value == null || value.length() != 4 || !isHex(value) || !value.equals(value.toUpperCase(Locale.ROOT))) {
            throw new IllegalArgumentException("'" + value + "' is not a normalized vaddr: expected 4 upper-case hex digits");
        }
    }

    /**
     * The vaddr for 1 to 4 hex digits in any case.
     *
     * @throws IllegalArgumentException naming the text when it is not 1-4 hex digits
     */
    public static Vaddr of(String text) {
        if (!isValid(text)) {
            throw new IllegalArgumentException("'" + text + "' is not a virtual device address: expected 1-4 hex digits");
        }
        String upper = text.toUpperCase(Locale.ROOT);
        return new Vaddr("0000".substring(upper.length()) + upper);
    }

    /** The vaddr of a device number 0 to 0xFFFF. */
    public static Vaddr of(int number) {
        if (number < 0 || number > 0xFFFF) {
            throw new IllegalArgumentException("device number " + number + " is outside 0-FFFF");
        }
        return new Vaddr(String.format(Locale.ROOT, "%04X", number));
    }

    /** Whether {@code text} is 1 to 4 hex digits. */
    public static boolean isValid(String text) {
        return text != null && !text.isEmpty() && text.length() <= 4 && isHex(text);
    }

    private static boolean isHex(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.digit(text.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The device number. */
    public int number() {
        return Integer.parseInt(value, 16);
    }

    /** The Linux bus id of this device in the first subchannel set, e.g. {@code 0.0.0200}. */
    public String ccwBusId() {
        return "0.0." + value.toLowerCase(Locale.ROOT);
    }

    @Override
    public int compareTo(Vaddr other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
