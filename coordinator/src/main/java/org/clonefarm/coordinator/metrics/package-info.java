/**
 * The coordinator's Prometheus meters, fed by the event fold.
 */
package org.clonefarm.coordinator.metrics;
