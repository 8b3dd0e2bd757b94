/**
 * What a person watching a batch sees: the terminal's progress view with its copy rate and ETA, and the
 * dashboard's timeline (throughput over time, time per step per clone) folded from the events the
 * state store applied.
 */
package org.clonefarm.coordinator.watch;
