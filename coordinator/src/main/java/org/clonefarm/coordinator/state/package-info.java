/**
 * The clone state: the state machine (which fact moves a clone from which state to which), the store the
 * fold writes, and batch summaries. No I/O.
 */
package org.clonefarm.coordinator.state;
