/**
 * The Kafka broker the command line runs when no cluster is given: a single KRaft node in this process whose
 * storage lives in the data directory.
 */
package org.clonefarm.cli.embedded;
