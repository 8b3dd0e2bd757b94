/**
 * The parsing of CP's reply texts and the simulated CP's state and extent cloning. Used only by {@code
 * platform}.
 */
package org.clonefarm.platform.cp.internal;
