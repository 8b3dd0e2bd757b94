/**
 * Host tools behind the simulation's guests, private to {@code cli.simulation}: ext4 images made with
 * {@code mke2fs -d}, loop mounts, host commands with their output captured, region digests.
 */
package org.clonefarm.cli.simulation.internal;
