package org.clonefarm.platform.ids;

/**
 * A z/VM userid: 1 to 8 characters of A-Z, 0-9, {@code @}, {@code #} and {@code $}, kept in upper
 * case (CP upper-cases what it reads). Immutable and thread-safe.
 *
 * @param value the userid in upper case
 */
public record Userid(String value) implements Comparable<Userid> {

    public Userid {
        if (!isValid(value)) {
            throw new IllegalArgumentException("'" + value + "' is not a userid: expected 1-8 characters of A-Z 0-9 @ # $");
        }
    }

    /** The userid for {@code text}, upper-cased first. */
    public static Userid of(String text) {
        return new Userid(text == null ? null : text.toUpperCase(java.util.Locale.ROOT));
    }

    /** Whether {@code text} (exactly as given, no case folding) is a valid userid. */
    public static boolean isValid(String text) {
        return CpNames.isValid(text, 8);
    }

    @Override
    public int compareTo(Userid other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
