/**
 * The simulated CP's state (logged-on guests, links, attached devices, shared between processes through a
 * locked file) and its FLASHCOPY of extents. Used only by {@code platform.simulation}.
 */
package org.clonefarm.platform.simulation.internal;
