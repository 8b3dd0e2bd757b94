package org.clonefarm.platform.ids;

/**
 * A DASD volume serial: 1 to 6 characters of A-Z, 0-9, {@code @}, {@code #} and {@code $}, kept in
 * upper case. Immutable and thread-safe.
 *
 * @param value the volume serial in upper case
 */
public record Volser(String value) implements Comparable<Volser> {

    public Volser {
        if (!isValid(value)) {
            throw new IllegalArgumentException("'" + value + "' is not a volume serial: expected 1-6 characters of A-Z 0-9 @ # $");
        }
    }

    /** The volser for {@code text}, upper-cased first. */
    public static Volser of(String text) {
        return new Volser(text == null ? null : text.toUpperCase(java.util.Locale.ROOT));
    }

    /** Whether {@code text} (exactly as given) is a valid volume serial. */
    public static boolean isValid(String text) {
        return CpNames.isValid(text, 6);
    }

    @Override
    public int compareTo(Volser other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
