/**
 * Turning a validated spec into a batch plan against a snapshot of the CP directory and its EXTENT CONTROL,
 * before anything changes: each clone's directory entry, its allocated extents, and the marker that ties an
 * entry to its batch.
 */
package org.clonefarm.coordinator.plan;
