package org.clonefarm.platform.directory;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A statement this model does not interpret (OPTION, ACCOUNT, POSIXINFO, DIRECTORY, SUBCONFIG, ...),
 * kept as read (columns 1-72, trailing blanks removed) and printed back unchanged. Immutable.
 *
 * @param text the statement's line
 */
public record UnknownStatement(String text) implements Statement {

    public UnknownStatement {
        Objects.requireNonNull(text, "text");
        if (text.isBlank()) {
            throw new IllegalArgumentException("an unknown statement cannot be blank");
        }
    }

    @Override
    public String keyword() {
        return text.strip().split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
    }

    @Override
    public List<String> tokens() {
        return List.of(text);
    }
}
