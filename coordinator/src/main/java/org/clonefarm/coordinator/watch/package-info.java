/**
 * What a person watching a batch sees in a terminal: the progress view, its copy rate and ETA. Pure
 * functions of batch summaries.
 */
package org.clonefarm.coordinator.watch;
