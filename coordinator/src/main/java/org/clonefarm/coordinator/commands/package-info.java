/**
 * What an operator can ask of the farm, whatever the door (command line or HTTP API):
 * {@link org.clonefarm.coordinator.commands.BatchCommands} submits a spec and retries or cancels clones;
 * the simulation implements it ({@code coordinator.simulation}); the DirMaint path ({@code coordinator.dirmaint})
 * applies a plan through site commands instead.
 */
package org.clonefarm.coordinator.commands;
