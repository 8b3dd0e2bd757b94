package org.clonefarm.platform.allocation;

import java.util.List;
import org.clonefarm.platform.geometry.DeviceType;

/**
 * A batch of extents that could not be allocated; nothing of the batch was allocated. The message
 * says, per group and device type, how many extents did not fit and how many cylinders or blocks
 * are missing, next to the free space and the largest free extent. Not retryable as it is: add
 * volumes or regions to the group, or ask for less.
 */
public class AllocationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * What one group lacks for one device type.
     *
     * @param group the group
     * @param deviceType the device type asked for
     * @param requested extents asked of this group and type
     * @param requestedUnits their total size
     * @param unplaced extents that did not fit
     * @param missingUnits the total size of those that did not fit
     * @param freeUnits free units in the group's regions of this type before the batch
     * @param largestFreeExtent the largest free run in those regions before the batch
     */
    public record Shortfall(String group, DeviceType deviceType, int requested, long requestedUnits, int unplaced,
            long missingUnits, long freeUnits, long largestFreeExtent) {

        @Override
        public String toString() {
            return "group " + group + " cannot hold " + unplaced + " of " + requested + " " + deviceType.directoryName()
                    + " extents (" + deviceType.units(requestedUnits) + " asked, " + deviceType.units(missingUnits)
                    + " missing; " + deviceType.units(freeUnits) + " free, largest free extent "
                    + deviceType.units(largestFreeExtent) + ")";
        }
    }

    private final transient List<Shortfall> shortfalls;

    public AllocationException(String message, List<Shortfall> shortfalls) {
        super(message);
        this.shortfalls = List.copyOf(shortfalls);
    }

    /** What each group lacks; empty when the batch failed for another reason (an unknown group). */
    public List<Shortfall> shortfalls() {
        return shortfalls;
    }
}
