package org.clonefarm.platform.directory;

import java.util.List;
import java.util.Objects;
import org.clonefarm.platform.ids.Userid;

/**
 * {@code INCLUDE profile}: the entry takes the profile's statements. Immutable.
 *
 * @param profile the included profile's name
 */
public record IncludeStatement(Userid profile) implements Statement {

    public IncludeStatement {
        Objects.requireNonNull(profile, "profile");
    }

    @Override
    public String keyword() {
        return "INCLUDE";
    }

    @Override
    public List<String> tokens() {
        return List.of("INCLUDE", profile.value());
    }
}
