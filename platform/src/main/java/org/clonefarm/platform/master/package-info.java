/**
 * The paper's master preparation ("Decide what you want", RW and RO root), on a master's root file
 * system given as a directory of this host: {@link org.clonefarm.platform.master.MasterPreparation}
 * analyses what a profile moves ({@link org.clonefarm.platform.master.RelocationPlan}), applies it with a
 * write-ahead journal and undoes it exactly. Writable files of the trees the clones link read-only go to
 * {@code /var/local/<original path>} with a link in their place (the rules and how they were decided:
 * {@link org.clonefarm.platform.master.RuntimeWritablePaths}); for a RO root, {@code /etc} moves
 * into the initrd's files and the post-mount {@code /etc} files to
 * {@code /var/local/etc}. The paths are {@link org.clonefarm.platform.layout.CloneLayout}'s; the
 * post-mount list is the guest agent's {@code initrd.post.mount}, which the caller reads from the
 * master and passes in ({@link org.clonefarm.platform.master.PreparationProfile}), since this package
 * cannot see the agent. The tree is only ever touched through paths that do not cross a link
 * ({@link org.clonefarm.platform.master.MasterTree}). How the master's disks become such a directory
 * (loop mounts of the simulation's volume images, or the devices of a z/VM guest) is the caller's
 * business. The plan, the journal and the moves are in {@code internal}.
 */
package org.clonefarm.platform.master;
