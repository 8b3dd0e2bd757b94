/**
 * The parsing of CP's reply texts for {@code platform.cp}'s real CP ({@code vmcp}). Used only by {@code
 * platform.cp}.
 */
package org.clonefarm.platform.cp.internal;
