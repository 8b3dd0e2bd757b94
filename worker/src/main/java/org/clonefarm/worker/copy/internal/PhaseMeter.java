package org.clonefarm.worker.copy.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import org.clonefarm.worker.copy.CopyPhases;
import org.clonefarm.worker.copy.CopyPhases.Phase;

/**
 * Adds up the CPU and wall time of one copy's phases ({@link CopyPhases}). A phase is timed on the
 * thread that does it: {@code long[] at = meter.start(); ...; meter.stop(Phase.READ, at)}; the thread CPU
 * clock is a system call, about a microsecond, which is nothing against a chunk of megabytes. Where the
 * JVM has no thread CPU clock, CPU times stay 0. Thread-safe.
 */
final class PhaseMeter {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean THREAD_CPU = THREADS.isCurrentThreadCpuTimeSupported();

    private final AtomicLongArray cpu = new AtomicLongArray(Phase.values().length);
    private final AtomicLongArray wall = new AtomicLongArray(Phase.values().length);
    private final long processCpuAtStart = processCpuNanos();

    /** The calling thread's clocks now: pass it to {@link #stop}. */
    long[] start() {
        return new long[] {threadCpu(), System.nanoTime()};
    }

    /** Adds the time since {@code start} on the calling thread to {@code phase}; returns a new start for the next phase. */
    long[] stop(Phase phase, long[] start) {
        long[] now = start();
        cpu.addAndGet(phase.ordinal(), now[0] - start[0]);
        wall.addAndGet(phase.ordinal(), now[1] - start[1]);
        return now;
    }

    /** What was measured so far. */
    CopyPhases snapshot() {
        Map<Phase, Long> cpuByPhase = new EnumMap<>(Phase.class);
        Map<Phase, Long> wallByPhase = new EnumMap<>(Phase.class);
        for (Phase phase : Phase.values()) {
            cpuByPhase.put(phase, cpu.get(phase.ordinal()));
            wallByPhase.put(phase, wall.get(phase.ordinal()));
        }
        long processNow = processCpuNanos();
        return new CopyPhases(cpuByPhase, wallByPhase,
                processNow < 0 || processCpuAtStart < 0 ? -1 : processNow - processCpuAtStart);
    }

    private static long threadCpu() {
        return THREAD_CPU ? THREADS.getCurrentThreadCpuTime() : 0;
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
