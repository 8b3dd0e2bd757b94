package org.clonefarm.coordinator.spec;

/**
 * One item of the spec's {@code clones} list as written: a range ({@code LINUX001-LINUX300} with the
 * first IP, which then increments) or one explicit clone.
 *
 * @param range {@code FIRST-LAST}, or null for an explicit clone
 * @param userid the explicit clone's userid, or null for a range
 * @param hostname the explicit clone's hostname, or null for the default
 * @param ip the (first) IP address
 */
public record CloneEntrySpec(String range, String userid, String hostname, String ip) {
}
