/**
 * The HTTP API's JSON shapes, RFC 9457 problem details and one server-sent events connection. Used only by
 * {@code coordinator.http}.
 */
package org.clonefarm.coordinator.http.internal;
