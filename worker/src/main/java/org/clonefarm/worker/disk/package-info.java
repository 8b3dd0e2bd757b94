/**
 * How a worker reaches the bytes of a minidisk: {@link org.clonefarm.worker.disk.MinidiskAccess}, attach
 * (owner, vaddr, mode) to get a region to copy, release it afterwards. Two implementations: {@link
 * org.clonefarm.worker.disk.CpMinidiskAccess} on z/VM (CP LINK, the Linux ccw device, DETACH) and {@link
 * org.clonefarm.worker.disk.simulation.VolumeImageAccess} over the local simulation's volume images (in its
 * own package, named only by the factory that builds it). Knows nothing
 * of Kafka or Vert.x; its internals stay behind this package.
 */
package org.clonefarm.worker.disk;
