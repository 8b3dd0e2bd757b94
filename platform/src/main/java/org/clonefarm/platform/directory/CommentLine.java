package org.clonefarm.platform.directory;

import java.util.List;
import java.util.Objects;

/**
 * A comment ({@code *} in column 1) or a blank line, kept exactly as read (without trailing blanks).
 * Immutable.
 *
 * @param text the line, empty for a blank line, else starting with {@code *}
 */
public record CommentLine(String text) implements Statement {

    public CommentLine {
        Objects.requireNonNull(text, "text");
        if (!text.isEmpty() && text.charAt(0) != '*') {
            throw new IllegalArgumentException("a comment starts with '*' in column 1: '" + text + "'");
        }
    }

    @Override
    public String keyword() {
        return "*";
    }

    @Override
    public List<String> tokens() {
        return List.of(text);
    }
}
