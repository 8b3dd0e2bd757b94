package org.clonefarm.platform.directory;

import java.util.List;
import java.util.Objects;
import org.clonefarm.platform.ids.Userid;

/**
 * {@code PROFILE name}: starts a profile entry, statements that user entries pull in with
 * {@code INCLUDE name}. Profile names follow the userid rules. Immutable.
 *
 * @param name the profile's name
 */
public record ProfileStatement(Userid name) implements Statement, EntryHeader {

    public ProfileStatement {
        Objects.requireNonNull(name, "name");
    }

    @Override
    public String keyword() {
        return "PROFILE";
    }

    @Override
    public List<String> tokens() {
        return List.of("PROFILE", name.value());
    }
}
