/**
 * What the tests of every module share: a real Kafka broker per test class (in-process KRaft, or a container
 * where Docker answers), a batch of clone requests over real image files, samples of every contract record,
 * and real file systems on loop devices.
 */
package org.clonefarm.testsupport;
