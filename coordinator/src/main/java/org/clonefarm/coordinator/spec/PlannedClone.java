package org.clonefarm.coordinator.spec;

/**
 * One clone of a batch after ranges are expanded and defaults applied.
 *
 * @param userid 1-8 characters of A-Z 0-9 @ # $
 * @param hostname fully qualified, lower case
 * @param ip the clone's address
 * @param place where in the spec it came from, e.g. {@code clones[0] (3rd of the range)}
 */
public record PlannedClone(String userid, String hostname, String ip, String place) {
}
