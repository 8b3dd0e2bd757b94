package org.clonefarm.coordinator.spec;

import java.util.List;

/**
 * A clone spec as written (YAML): which master to clone, how, and into which clones.
 * {@link SpecValidator} checks it and expands it into {@link PlannedClone}s. Immutable.
 */
public record CloneSpec(String batch, String master, CloneProfile profile, String prototype, String volumes,
        List<DiskRule> disks, NetworkSpec network, List<CloneEntrySpec> clones) {

    public CloneSpec {
        disks = disks == null ? List.of() : List.copyOf(disks);
        clones = clones == null ? List.of() : List.copyOf(clones);
    }
}
