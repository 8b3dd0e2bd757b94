/**
 * The names z/VM gives things: {@link org.clonefarm.platform.ids.Userid},
 * {@link org.clonefarm.platform.ids.Vaddr} and {@link org.clonefarm.platform.ids.Volser}. Each is
 * validated once, on construction, so code that holds one never checks it again.
 */
package org.clonefarm.platform.ids;
