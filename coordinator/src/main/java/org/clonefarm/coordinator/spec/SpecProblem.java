package org.clonefarm.coordinator.spec;

/**
 * One thing wrong with a clone spec: where it is, what value, what is wrong.
 *
 * @param place the path in the spec, e.g. {@code clones[0].range} or {@code network.gateway}
 * @param line the 1-based line in the YAML text, or 0 when unknown
 * @param value the offending value as written, or null; one longer than {@link #MAX_VALUE_CHARS} is cut
 *     there and says how long it was, so a problem never repeats a huge value back
 * @param message what is wrong and, where it helps, what would be right
 */
public record SpecProblem(String place, int line, String value, String message) {
    /** The most characters of a value a problem repeats. */
    public static final int MAX_VALUE_CHARS = 80;

    public SpecProblem {
        if (value != null && value.length() > MAX_VALUE_CHARS) {
            value = value.substring(0, MAX_VALUE_CHARS) + String.format("... (%,d characters)", value.length());
        }
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        if (line > 0) {
            text.append("line ").append(line).append(", ");
        }
        text.append(place).append(": ");
        if (value != null) {
            text.append('\'').append(value).append("' ");
        }
        return text.append(message).toString();
    }
}
