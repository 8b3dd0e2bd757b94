/**
 * What happens to a clone after its copy: starting its guest (CP {@code XAUTOLOG}) on a bounded number of
 * slots, with the timeouts that fail a guest that never reports.
 */
package org.clonefarm.coordinator.orchestration;
