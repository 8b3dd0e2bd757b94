package org.clonefarm.coordinator.plan;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clonefarm.platform.directory.CommentLine;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.Statement;

/**
 * The comment a submit writes into each clone's directory entry, {@code * clonefarm <spec digest>
 * <batch>}, so the directory itself says which batch and which spec made an entry. A submit that
 * died after writing the directory is completed by running it again: the marked entries are its own.
 *
 * @param specDigest the first 16 hex digits of the spec's SHA-256
 * @param batch the batch name (at most 40 characters, so the line fits in 72 columns)
 */
public record BatchMarker(String specDigest, String batch) {
    private static final Pattern LINE = Pattern.compile("\\* clonefarm ([0-9a-f]{16}) (\\S{1,40})");

    public CommentLine comment() {
        return new CommentLine("* clonefarm " + specDigest + " " + batch);
    }

    /** The marker of an entry, if a submit wrote one. */
    public static Optional<BatchMarker> of(DirectoryEntry entry) {
        for (Statement statement : entry.body()) {
            if (statement instanceof CommentLine comment) {
                Matcher m = LINE.matcher(comment.text().trim());
                if (m.matches()) {
                    return Optional.of(new BatchMarker(m.group(1), m.group(2)));
                }
            }
        }
        return Optional.empty();
    }
}
