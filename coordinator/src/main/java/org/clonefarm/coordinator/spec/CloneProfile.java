package org.clonefarm.coordinator.spec;

import org.clonefarm.proto.Profile;

/** The two clone profiles of the paper, as written in a spec. */
public enum CloneProfile {
    /** The clone owns root, swap and /var. */
    RW_ROOT("rw-root", Profile.PROFILE_RW_ROOT),
    /** The clone links root read-only and owns /var and swap. */
    RO_ROOT("ro-root", Profile.PROFILE_RO_ROOT);

    private final String specName;
    private final Profile proto;

    CloneProfile(String specName, Profile proto) {
        this.specName = specName;
        this.proto = proto;
    }

    public String specName() {
        return specName;
    }

    public Profile proto() {
        return proto;
    }

    /** The profile written as {@code rw-root} or {@code ro-root}, or null. */
    public static CloneProfile fromSpecName(String name) {
        for (CloneProfile profile : values()) {
            if (profile.specName.equalsIgnoreCase(name)) {
                return profile;
            }
        }
        return null;
    }
}
