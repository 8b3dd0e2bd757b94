/**
 * How the agent does its work: the NAMES reader of the 191 disk, the file changes per distribution (network,
 * hosts, DNS) applied all or nothing, the durable event spool and its delivery, and the state kept across
 * boots. Used only by {@code agent}.
 */
package org.clonefarm.agent.internal;
