/**
 * Guests of the local simulation: {@link org.clonefarm.cli.simulation.DemoMaster} builds the demo master's
 * minidisks, {@link org.clonefarm.cli.simulation.LoopMountGuestRuntime} "boots" a copied clone by loop-mounting
 * its disks and running the guest agent as a host process ({@link org.clonefarm.cli.simulation.AgentLauncher}),
 * and {@link org.clonefarm.cli.simulation.CloneVerifier} checks what the clones hold afterwards.
 */
package org.clonefarm.cli.simulation;
