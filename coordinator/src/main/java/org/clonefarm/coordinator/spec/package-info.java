/**
 * The clone spec (YAML) a user writes: its model, a strict parser that reports every problem with where it
 * is, and the validator that checks its meaning against the system and expands its clones.
 */
package org.clonefarm.coordinator.spec;
