/**
 * The last step of every submit: writing the batch's NAMES entries where the clones read them, and
 * publishing the batch's planning facts and one signed clone request per clone (and knowing which requests
 * are already on the topic).
 */
package org.clonefarm.coordinator.publish;
