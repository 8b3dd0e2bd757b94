/**
 * The copy engine: copies disks chunk by chunk in parallel, forces each chunk before its checkpoint in
 * RocksDB says it is there, and resumes an interrupted copy from its checkpoints. Its options, results,
 * progress and digests are the public face; the driver and its buffers stay in {@code internal}.
 */
package org.clonefarm.worker.copy;
