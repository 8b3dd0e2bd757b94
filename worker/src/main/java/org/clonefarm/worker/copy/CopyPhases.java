package org.clonefarm.worker.copy;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where a copy's time went, by phase: CPU time of the threads that did the phase's work and the wall time
 * they spent in it (summed over threads, so phases that run in parallel can add up to more than the
 * copy's wall time). Wall time beyond CPU time is waiting: for the device, the page cache, or a core
 * (on a busy machine). Measured per chunk with the thread CPU clock, so it costs a few microseconds per
 * chunk. Immutable.
 *
 * @param cpuNanos CPU nanoseconds per phase (every phase present)
 * @param wallNanos wall nanoseconds per phase (every phase present)
 * @param processCpuNanos CPU nanoseconds of the whole process (all threads: the JIT compiler, the collector,
 *     RocksDB) from the plan to the result, or -1 where the JVM cannot tell
 */
public record CopyPhases(Map<Phase, Long> cpuNanos, Map<Phase, Long> wallNanos, long processCpuNanos) {

    /** The phases of a copy. */
    public enum Phase {
        /** Reading source chunks (and target chunks, for resume by compare and verify) into the buffers. */
        READ,
        /** Chunk digests of the source, and of the target when verifying. */
        HASH,
        /** Looking for zeros: whole chunks, their 4 KiB runs, and holes ({@code SEEK_DATA}). */
        ZERO_SCAN,
        /** Writing chunk bytes to the target, or sharing extents with it (reflink). */
        WRITE,
        /** Forcing the target before each checkpoint batch (fdatasync). */
        FORCE,
        /** The synced RocksDB write of each checkpoint batch. */
        CHECKPOINT;

        /** The lower-case name used in JSON. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public CopyPhases {
        cpuNanos = complete(cpuNanos);
        wallNanos = complete(wallNanos);
    }

    /** No time in any phase (a copy answered from checkpoints). */
    public static CopyPhases none() {
        return new CopyPhases(Map.of(), Map.of(), -1);
    }

    public long cpuNanos(Phase phase) {
        return cpuNanos.get(phase);
    }

    public long wallNanos(Phase phase) {
        return wallNanos.get(phase);
    }

    private static Map<Phase, Long> complete(Map<Phase, Long> given) {
        EnumMap<Phase, Long> all = new EnumMap<>(Phase.class);
        for (Phase phase : Phase.values()) {
            all.put(phase, given.getOrDefault(phase, 0L));
        }
        return Map.copyOf(all);
    }
}
