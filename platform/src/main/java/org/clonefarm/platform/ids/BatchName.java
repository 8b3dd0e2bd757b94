package org.clonefarm.platform.ids;

import java.util.regex.Pattern;

/**
 * The name of a batch of clones, as a spec's {@code batch:} gives it and as a clone's NAMES entry
 * carries it ({@code :batch.}): 1 to 40 of letters, digits, {@code .}, {@code _} and {@code -},
 * starting with a letter or digit. At most 40 so a marker line with it fits in 72 columns; no blank,
 * colon or control character, so it can stand in a NAMES record, a {@code key=value} line or a
 * Kafka key without quoting. Case is kept. Immutable and thread-safe.
 *
 * @param value the batch name
 */
public record BatchName(String value) implements Comparable<BatchName> {
    private static final Pattern RULE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,39}");

    /** The rule in words, for messages: what a batch name may be. */
    public static final String DESCRIPTION = "1-40 of letters, digits, '.', '_' and '-', starting with a letter or digit";

    public BatchName {
        if (!isValid(value)) {
            throw new IllegalArgumentException("that is not a batch name: expected " + DESCRIPTION);
        }
    }

    /** Whether {@code text}, exactly as given, is a batch name. */
    public static boolean isValid(String text) {
        return text != null && RULE.matcher(text).matches();
    }

    @Override
    public int compareTo(BatchName other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
