/**
 * How the copy engine runs one copy: the driver, one chunk's read, zero check and write, the channels and
 * their I/O modes, holes, buffers and the checkpoint record format. Used only by {@code worker.copy}.
 */
package org.clonefarm.worker.copy.internal;
