/**
 * The local simulation's data directory: {@link org.clonefarm.platform.simulation.SimulationDataDirectory}
 * knows where volumes, the CP directory and EXTENT.CONTROL live, creates volumes, and resolves a
 * userid's minidisk to the bytes of its volume image; {@link org.clonefarm.platform.simulation.SimulatedCcwBus}
 * sets a linked minidisk online as a real loop device.
 */
package org.clonefarm.platform.simulation;
