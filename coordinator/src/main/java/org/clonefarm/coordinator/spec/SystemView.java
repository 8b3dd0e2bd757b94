package org.clonefarm.coordinator.spec;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the validator needs to know of the system a spec is planned against: the CP directory,
 * allocation groups and free space. The local simulation and z/VM each provide one; a spec can also
 * be checked without a system ({@link #NONE}) for its form alone.
 */
public interface SystemView {

    /** Whether this view knows a directory; without one, existence and space are not checked. */
    default boolean knowsDirectory() {
        return true;
    }

    /** Whether a user (or prototype/profile entry) of that name is in the directory. */
    boolean entryExists(String name);

    /** The vaddrs of the master's minidisks, or empty when the master is not in the directory. */
    Optional<Set<String>> minidisksOf(String master);

    /** The size in bytes of a master's minidisk, or -1 when unknown. */
    long minidiskBytes(String master, String vaddr);

    /** Whether an allocation group of that name exists. */
    boolean groupExists(String group);

    /**
     * Whether the group can hold the extents; when not, how much is missing (a sentence), else null.
     *
     * @param group the allocation group
     * @param sameSizeAs for each extent to allocate, the master's vaddr whose size it copies
     */
    String shortfall(String group, List<String> sameSizeAs, String master, int clones);

    /** A view that knows nothing: only the spec's own consistency is checked. */
    SystemView NONE = new SystemView() {
        @Override
        public boolean knowsDirectory() {
            return false;
        }

        @Override
        public boolean entryExists(String name) {
            return false;
        }

        @Override
        public Optional<Set<String>> minidisksOf(String master) {
            return Optional.empty();
        }

        @Override
        public long minidiskBytes(String master, String vaddr) {
            return -1;
        }

        @Override
        public boolean groupExists(String group) {
            return true;
        }

        @Override
        public String shortfall(String group, List<String> sameSizeAs, String master, int clones) {
            return null;
        }
    };
}
