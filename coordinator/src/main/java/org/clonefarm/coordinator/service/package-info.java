/**
 * The coordinator assembled: the fold of the events topic into the clone state, the status topic it keeps,
 * and the parts that react to the fold (orchestration, metrics, the HTTP hub).
 */
package org.clonefarm.coordinator.service;
