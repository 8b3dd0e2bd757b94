/**
 * Host-side steps of the z/VM disk path: dasdfmt, the host-wide locks, and the durable list of a worker's
 * live links. Used only by {@code worker.disk}.
 */
package org.clonefarm.worker.disk.internal;
