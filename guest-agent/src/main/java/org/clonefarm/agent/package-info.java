/**
 * The guest agent, the paper's {@code /etc/rc.finalize} with every step an event: who am I, the clone's
 * settings from its NAMES entry, configuring Linux, removing the marker, rebooting and reporting READY. Its
 * configuration, options, steps and systemd units are the public face.
 */
package org.clonefarm.agent;
