/**
 * One worker assembled: its configuration (declared once with defaults and validation), how its disk access
 * is built, and its start and stop.
 */
package org.clonefarm.worker.service;
