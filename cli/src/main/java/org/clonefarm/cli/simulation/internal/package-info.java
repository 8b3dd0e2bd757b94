/**
 * Host tools behind the simulation's guests, private to {@code cli.simulation}: ext4 images made with
 * {@code mke2fs -d}, region digests. (Loop mounts and host commands are {@code platform}'s
 * {@code io.LoopMount} and {@code io.HostTool}.)
 */
package org.clonefarm.cli.simulation.internal;
