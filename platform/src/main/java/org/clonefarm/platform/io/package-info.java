/**
 * File and process primitives every module uses: durable replacement of a file (temp, fsync, rename, fsync
 * of the directory), bounded reads of untrusted files, polling inter-process file locks, byte regions of
 * files and devices, the one runner of host tools (never through a shell, always with a timeout), and the
 * one way to attach a region as a loop device, mount it and release it, also what a killed process left.
 */
package org.clonefarm.platform.io;
