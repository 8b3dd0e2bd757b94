package org.clonefarm.platform.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.clonefarm.platform.io.LoopMountException.Context;
import org.clonefarm.platform.io.LoopMountException.Step;

/**
 * A loop device of its own over a region of a file or block device:
 * {@code losetup --find --show --offset O [--sizelimit L] [--read-only] FILE} (no size limit for a region
 * that runs to the end of its file). Another process may take the free device between losetup's find and
 * its set-up; the attach is then tried again, five times in all.
 *
 * <p>{@link #close()} detaches the device and is idempotent. Needs root. Thread-safe: close may race with
 * another close.
 */
public final class LoopDevice implements AutoCloseable {
    /** How long one losetup, mount or umount may run before it is killed. */
    static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final int ATTACH_TRIES = 5;

    private final FileRegion region;
    private final Path device;
    private final boolean readOnly;
    private boolean detached;

    private LoopDevice(FileRegion region, Path device, boolean readOnly) {
        this.region = region;
        this.device = device;
        this.readOnly = readOnly;
    }

    /**
     * Attaches a loop device over {@code region}, read-only ({@code --read-only}: nothing written through it
     * reaches the file) when {@code readOnly}.
     *
     * @throws LoopMountException ({@link Step#ATTACH}, retryable) naming the region and what losetup said
     *     after the last try; not retryable when losetup cannot be run
     */
    public static LoopDevice attach(FileRegion region, boolean readOnly) throws LoopMountException {
        Objects.requireNonNull(region, "region");
        List<String> command = new ArrayList<>(List.of("losetup", "--find", "--show", "--offset", Long.toString(region.offset())));
        if (!region.toEnd()) {
            command.addAll(List.of("--sizelimit", Long.toString(region.length())));
        }
        if (readOnly) {
            command.add("--read-only");
        }
        command.add(region.path().toString());
        Context attaching = new Context(Step.ATTACH, "cannot set up a loop device for " + region, region, null, null);
        HostTool.Result result = null;
        for (int attempt = 1; attempt <= ATTACH_TRIES; attempt++) {
            result = run(command, attaching);
            String device = result.stdout().strip();
            if (result.ok() && device.startsWith("/dev/")) {
                return new LoopDevice(region, Path.of(device), readOnly);
            }
            if (attempt == ATTACH_TRIES) {
                break;
            }
            // another process may have taken the free device between find and set-up: try again
            try {
                Thread.sleep(50L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LoopMountException("interrupted while setting up a loop device for " + region, Step.ATTACH, region,
                        null, null, "interrupted", true, e);
            }
        }
        throw attaching.fail(result.message(), true, null);
    }

    /** The device, {@code /dev/loopN}. */
    public Path device() {
        return device;
    }

    /** The bytes it is over. */
    public FileRegion region() {
        return region;
    }

    public boolean readOnly() {
        return readOnly;
    }

    /**
     * Detaches the device ({@code losetup --detach}); a second call does nothing.
     *
     * @throws LoopMountException ({@link Step#DETACH}, retryable) naming the device and its region: still
     *     open or mounted
     */
    @Override
    public synchronized void close() throws LoopMountException {
        if (detached) {
            return;
        }
        Context detaching = new Context(Step.DETACH, "cannot detach " + device + " over " + region, region, device, null);
        HostTool.Result result = run(List.of("losetup", "--detach", device.toString()), detaching);
        if (!result.ok()) {
            throw detaching.fail(result.message(), true, null);
        }
        detached = true;
    }

    /**
     * Runs a tool of a step to its end, whatever its exit code: a tool that cannot be started fails the step
     * (not retryable), one that does not end in time or is interrupted too (retryable).
     */
    static HostTool.Result run(List<String> command, Context step) throws LoopMountException {
        try {
            return HostTool.run(command, TOOL_TIMEOUT);
        } catch (InterruptedIOException e) {
            throw step.fail(e.getMessage(), true, e);
        } catch (IOException e) {
            throw step.fail("cannot run '" + String.join(" ", command) + "': " + e.getMessage(), false, e);
        }
    }

    @Override
    public String toString() {
        return device + " over " + region + (readOnly ? " (ro)" : "");
    }
}
