/**
 * Extent allocation in the spirit of DirMaint's AUTOG:
 * {@link org.clonefarm.platform.allocation.ExtentControl} (regions of volumes gathered into groups,
 * DirMaint's EXTENT CONTROL format) and {@link org.clonefarm.platform.allocation.ExtentAllocator},
 * which places a whole batch of extents in a group or none, never over a minidisk of the directory,
 * and reports free space per volume.
 */
package org.clonefarm.platform.allocation;
