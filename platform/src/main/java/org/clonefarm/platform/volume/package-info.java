/**
 * Volumes and extents: {@link org.clonefarm.platform.volume.Volume} (volser, device type, size),
 * {@link org.clonefarm.platform.volume.Extent} (a range of units on one volume, with its byte offset
 * and length) and {@link org.clonefarm.platform.volume.VolumeImage}, a volume's sparse image file in
 * the local simulation.
 */
package org.clonefarm.platform.volume;
