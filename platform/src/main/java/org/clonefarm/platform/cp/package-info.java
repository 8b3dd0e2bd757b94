/**
 * CP, the z/VM control program, as clonefarm uses it: the {@link org.clonefarm.platform.cp.Cp}
 * interface (QUERY USERID, QUERY VIRTUAL, QUERY VIRTUAL DASD, LINK, DETACH, FLASHCOPY, XAUTOLOG, FORCE)
 * with typed replies and {@link org.clonefarm.platform.cp.CpException}; {@link org.clonefarm.platform.cp.VmcpCp}
 * on z/VM and {@link org.clonefarm.platform.simulation.SimulatedCp} (shared through its state file) in the local
 * simulation. The Linux side of a linked minidisk is a {@link org.clonefarm.platform.cp.CcwBus}:
 * {@link org.clonefarm.platform.cp.LinuxCcwBus} on z/VM, {@code SimulatedCcwBus} in the simulation.
 */
package org.clonefarm.platform.cp;
