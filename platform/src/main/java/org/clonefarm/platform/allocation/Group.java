package org.clonefarm.platform.allocation;

import java.util.List;
import java.util.Objects;

/**
 * A DirMaint group: a named, ordered list of regions to allocate from. LINEAR scanning fills the
 * first region that has room; ROTATING starts each allocation at the region after the previous
 * one, spreading disks over volumes. Immutable.
 *
 * @param name the group name (1-8 characters of A-Z 0-9 # @ $ : - +)
 * @param rotating whether allocation rotates over the regions
 * @param regionIds the regions, in scanning order
 */
public record Group(String name, boolean rotating, List<String> regionIds) {

    public Group {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Z0-9#@$:+\\-]{1,8}")) {
            throw new IllegalArgumentException("'" + name + "' is not a group name: 1-8 characters of A-Z 0-9 # @ $ : - +");
        }
        regionIds = List.copyOf(regionIds);
    }
}
