package org.clonefarm.coordinator.spec;

/**
 * One thing wrong with a clone spec: where it is, what value, what is wrong.
 *
 * @param place the path in the spec, e.g. {@code clones[0].range} or {@code network.gateway}
 * @param line the 1-based line in the YAML text, or 0 when unknown
 * @param value the offending value as written, or null
 * @param message what is wrong and, where it helps, what would be right
 */
public record SpecProblem(String place, int line, String value, String message) {

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
