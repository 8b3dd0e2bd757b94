/**
 * The names z/VM gives things: {@link org.clonefarm.platform.ids.Userid},
 * {@link org.clonefarm.platform.ids.Vaddr}, {@link org.clonefarm.platform.ids.Volser}, and the
 * name of a batch of clones, {@link org.clonefarm.platform.ids.BatchName}. Each is
 * validated once, on construction, so code that holds one never checks it again.
 */
package org.clonefarm.platform.ids;
