/**
 * The Java side of the benchmarks under {@code bench/}: each runs the real component on synthetic input and
 * prints {@code name=value} lines for its script.
 */
package org.clonefarm.cli.bench;
