package org.clonefarm.cli;

import java.util.Locale;
import org.clonefarm.cli.simulation.QemuGuestRuntime;
import picocli.CommandLine.Option;

/**
 * How the local simulation runs the guests XAUTOLOG starts, a picocli mixin of {@code up} and {@code demo}:
 * {@code --guests loop} (the default: {@code LoopMountGuestRuntime}, the agent as a host process on
 * loop-mounted disks) or {@code --guests qemu} (real virtual machines booting the clones' disks,
 * {@link QemuGuestRuntime}; needs the bootable master), with the QEMU options.
 */
public final class GuestRuntimeOptions {
    /** Which runtime. */
    enum Kind {
        LOOP, QEMU
    }

    /**
     * What the farm runs its guests with; validated.
     *
     * @param concurrency guests booting at once
     */
    record Plan(Kind kind, int concurrency, int memoryMib, QemuGuestRuntime.Accel accel, int keepRunning) {
        /** The loop-mount runtime with {@code concurrency} guests at once. */
        static Plan loop(int concurrency) {
            return new Plan(Kind.LOOP, concurrency, 0, QemuGuestRuntime.Accel.AUTO, 0);
        }
    }

    /** Guests booting at once under QEMU when --guest-concurrency is not given: one per core of a 2-core machine. */
    static final int QEMU_CONCURRENCY = 2;

    @Option(names = "--guests", paramLabel = "RUNTIME", defaultValue = "loop",
            description = "loop: the agent runs on this host over the clones' loop-mounted disks (fast; default);"
                    + " qemu: each clone boots its own disks in a QEMU virtual machine (needs 'master create-demo --bootable',"
                    + " qemu-system-x86; docs/guests.md).")
    String guests;

    @Option(names = "--qemu-accel", paramLabel = "ACCEL", defaultValue = "auto",
            description = "--guests qemu: kvm, tcg (emulation, slower, works everywhere), or auto: kvm when /dev/kvm can be"
                    + " opened read-write, falling back to tcg for good when the first KVM guest shows no kernel within 30 s;"
                    + " else tcg (default: ${DEFAULT-VALUE}).")
    String accel;

    @Option(names = "--guest-memory", paramLabel = "MIB", defaultValue = "768",
            description = "--guests qemu: memory of each guest in MiB, 384-16384 (default: ${DEFAULT-VALUE}).")
    int memoryMib;

    @Option(names = "--keep-running", paramLabel = "N", defaultValue = "0",
            description = "--guests qemu: keep the first N guests running after READY (until FORCE or the end of the"
                    + " command); the others are logged off at READY (default: ${DEFAULT-VALUE}).")
    int keepRunning;

    /** The plan, with the concurrency from --guest-concurrency or the runtime's default. */
    Plan plan(OrchestrationOptions orchestration) {
        Kind kind;
        try {
            kind = Kind.valueOf(guests.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--guests " + guests + " must be loop or qemu.");
        }
        QemuGuestRuntime.Accel qemuAccel;
        try {
            qemuAccel = QemuGuestRuntime.Accel.valueOf(accel.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--qemu-accel " + accel + " must be auto, kvm or tcg.");
        }
        if (memoryMib < 384 || memoryMib > 16384) {
            throw UserError.usage("--guest-memory " + memoryMib + " must be 384-16384 MiB.");
        }
        if (keepRunning < 0 || keepRunning > 1000) {
            throw UserError.usage("--keep-running " + keepRunning + " must be 0-1000.");
        }
        if (kind == Kind.LOOP) {
            return Plan.loop(orchestration.guestConcurrency(OrchestrationOptions.LOOP_GUEST_CONCURRENCY));
        }
        return new Plan(kind, orchestration.guestConcurrency(QEMU_CONCURRENCY), memoryMib, qemuAccel, keepRunning);
    }
}
