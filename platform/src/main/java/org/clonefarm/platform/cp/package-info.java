/**
 * CP, the z/VM control program, as clonefarm uses it: the {@link org.clonefarm.platform.cp.Cp}
 * interface (QUERY USERID, QUERY VIRTUAL, LINK, DETACH, XAUTOLOG, FORCE) with typed replies and
 * {@link org.clonefarm.platform.cp.CpException}; {@link org.clonefarm.platform.cp.VmcpCp} on z/VM and
 * {@link org.clonefarm.platform.cp.LocalSystem} in the local simulation.
 */
package org.clonefarm.platform.cp;
