/**
 * The names z/VM gives things: {@link org.clonefarm.platform.names.Userid},
 * {@link org.clonefarm.platform.names.Vaddr} and {@link org.clonefarm.platform.names.Volser}. Each is
 * validated once, on construction, so code that holds one never checks it again.
 */
package org.clonefarm.platform.names;
