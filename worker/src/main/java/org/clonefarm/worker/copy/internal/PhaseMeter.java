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
 * clock is a system call, about a microsecond, which is nothing against a chunk of megabytes.
 *
 * <p>The CPU clocks come from {@link ManagementFactory}, whose first use costs 0.1 to 0.2 s here (it loads
 * the management classes): {@link #bindClocks()} does that on the warm-up thread ({@link FirstCopyWarmup}),
 * never on a copy's path. Until it has, CPU time is not counted (wall time is), and a copy that started
 * before it reports no process CPU time. Thread-safe.
 */
final class PhaseMeter {
    /** The JVM's CPU clocks, once bound. */
    private static volatile Clocks clocks;

    private final AtomicLongArray cpu = new AtomicLongArray(Phase.values().length);
    private final AtomicLongArray wall = new AtomicLongArray(Phase.values().length);
    private final long processCpuAtStart = processCpuNanos();

    /** The thread and process CPU clocks of the JVM, where it has them. */
    private record Clocks(ThreadMXBean threads, boolean threadCpu, com.sun.management.OperatingSystemMXBean os) {
    }

    /** Binds the CPU clocks (0.1 to 0.2 s the first time in a JVM); idempotent, thread-safe. */
    static void bindClocks() {
        if (clocks != null) {
            return;
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean sun
                        ? sun : null;
        clocks = new Clocks(threads, threads.isCurrentThreadCpuTimeSupported(), os);
    }

    /** The calling thread's clocks now: pass it to {@link #stop}. */
    long[] start() {
        return new long[] {threadCpu(), System.nanoTime()};
    }

    /** Adds the time since {@code start} on the calling thread to {@code phase}; returns a new start for the next phase. */
    long[] stop(Phase phase, long[] start) {
        long[] now = start();
        if (now[0] >= 0 && start[0] >= 0) {
            cpu.addAndGet(phase.ordinal(), now[0] - start[0]);
        }
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

    /** The calling thread's CPU nanoseconds, or -1 while the clocks are not bound (or the JVM has none). */
    private static long threadCpu() {
        Clocks bound = clocks;
        return bound == null || !bound.threadCpu() ? -1 : bound.threads().getCurrentThreadCpuTime();
    }

    private static long processCpuNanos() {
        Clocks bound = clocks;
        return bound == null || bound.os() == null ? -1 : bound.os().getProcessCpuTime();
    }
}
