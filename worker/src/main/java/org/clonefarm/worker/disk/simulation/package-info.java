/**
 * The worker's disk access of the local simulation: minidisks as extents of volume image files
 * ({@code <data>/volumes/<VOLSER>.img}) placed by the simulation's CP directory file, without CP, LINK
 * or a ccw bus ({@code --disk-access volumes}). Only {@code DiskAccessFactory} names these classes;
 * every other part of the worker reaches disks through {@link org.clonefarm.worker.disk.MinidiskAccess},
 * the same way as on z/VM (checked by the cli's {@code ArchitectureTest}).
 */
package org.clonefarm.worker.disk.simulation;
