/**
 * The batch commands on the local z/VM simulation: {@link org.clonefarm.coordinator.simulation.SimulationPlanner}
 * plans against the simulation's volumes and CP directory, and
 * {@link org.clonefarm.coordinator.simulation.SimulationBatchCommands} applies a plan there (directory entries
 * under a {@link org.clonefarm.coordinator.simulation.DirectoryLock}, the NAMES file on the 191, the requests).
 * A real z/VM takes the DirMaint path ({@code coordinator.dirmaint}) instead.
 */
package org.clonefarm.coordinator.simulation;
