/**
 * The coordinator's HTTP side on Vert.x: the batch API, server-sent events of the fold, the dashboard page,
 * health and metrics, and how callers are checked (bearer token). JSON shapes and problem details stay in
 * {@code internal}.
 */
package org.clonefarm.coordinator.http;
