package org.clonefarm.platform.cp;

import java.util.List;
import java.util.Objects;

/**
 * What CP answered to a command that succeeded. Immutable.
 *
 * @param command the command as issued (upper case)
 * @param lines the response lines, possibly none
 */
public record CpReply(String command, List<String> lines) {

    public CpReply {
        Objects.requireNonNull(command, "command");
        lines = List.copyOf(lines);
    }

    /** The response as one text, lines joined with newlines. */
    public String text() {
        return String.join("\n", lines);
    }
}
