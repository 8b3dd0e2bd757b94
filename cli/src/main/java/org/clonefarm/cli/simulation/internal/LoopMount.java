package org.clonefarm.cli.simulation.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.clonefarm.cli.simulation.GuestRuntimeException;
import org.clonefarm.platform.io.FileRegion;

/**
 * An ext4 file system in a byte range of a volume image, mounted through a loop device of its own:
 * {@code losetup --find --show --offset N --sizelimit M [--read-only] IMAGE}, then
 * {@code mount -t ext4 DEVICE DIR}. A read-only mount also skips journal replay ({@code noload}),
 * so nothing is ever written to the image. A bind mount ({@link #bind}) has no loop device.
 *
 * <p>{@link #close()} unmounts and detaches the device, in that order, and is idempotent. A failed
 * {@link #mount} releases what it set up before it throws. Thread-safe: close may race with another close.
 */
public final class LoopMount implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int SETUP_TRIES = 5;

    private final FileRegion region;
    private final Path mountPoint;
    private final String device;
    private final boolean readOnly;
    private boolean closed;

    private LoopMount(FileRegion region, Path mountPoint, String device, boolean readOnly) {
        this.region = region;
        this.mountPoint = mountPoint;
        this.device = device;
        this.readOnly = readOnly;
    }

    /**
     * Mounts the ext4 file system in {@code region} at {@code mountPoint} (created if missing).
     *
     * @throws GuestRuntimeException naming the region when the loop device or the mount fails; nothing
     *     is left attached then
     */
    public static LoopMount mount(FileRegion region, Path mountPoint, boolean readOnly) {
        Objects.requireNonNull(region, "region");
        if (region.toEnd()) {
            throw new IllegalArgumentException("a loop mount needs a region with a length: " + region);
        }
        try {
            Files.createDirectories(mountPoint);
        } catch (IOException e) {
            throw new GuestRuntimeException("cannot create the mount point " + mountPoint + ": " + e.getMessage(), false, e);
        }
        String device = attach(region, readOnly);
        try {
            List<String> command = new ArrayList<>(List.of("mount", "-t", "ext4"));
            if (readOnly) {
                command.addAll(List.of("-o", "ro,noload"));
            }
            command.addAll(List.of(device, mountPoint.toString()));
            HostCommand.Result result = HostCommand.exec(command, TIMEOUT);
            if (result.exitCode() != 0) {
                throw new GuestRuntimeException("cannot mount the ext4 file system of " + region + " (" + device + ") at "
                        + mountPoint + ": " + result.message(), false);
            }
        } catch (RuntimeException e) {
            try {
                detach(device);
            } catch (RuntimeException detaching) {
                e.addSuppressed(detaching);
            }
            throw e;
        }
        return new LoopMount(region, mountPoint, device, readOnly);
    }

    /** Bind-mounts {@code source} over {@code mountPoint} (the initrd's /etc over a RO root's). */
    public static LoopMount bind(Path source, Path mountPoint) {
        HostCommand.run(List.of("mount", "--bind", source.toString(), mountPoint.toString()), TIMEOUT);
        return new LoopMount(null, mountPoint, null, false);
    }

    private static String attach(FileRegion region, boolean readOnly) {
        List<String> command = new ArrayList<>(List.of("losetup", "--find", "--show", "--offset",
                Long.toString(region.offset()), "--sizelimit", Long.toString(region.length())));
        if (readOnly) {
            command.add("--read-only");
        }
        command.add(region.path().toString());
        HostCommand.Result result = null;
        for (int attempt = 1; attempt <= SETUP_TRIES; attempt++) {
            result = HostCommand.exec(command, TIMEOUT);
            if (result.exitCode() == 0 && result.stdout().strip().startsWith("/dev/")) {
                return result.stdout().strip();
            }
            // another process may have taken the free device between find and set-up: try again
            try {
                Thread.sleep(50L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GuestRuntimeException("interrupted while setting up a loop device for " + region, true, e);
            }
        }
        throw new GuestRuntimeException("cannot set up a loop device for " + region + ": " + result.message(), true);
    }

    private static void detach(String device) {
        HostCommand.run(List.of("losetup", "--detach", device), TIMEOUT);
    }

    /**
     * Unmounts every mount under {@code dir} (deepest first) and detaches its loop device: what a process
     * killed with SIGKILL, which skips shutdown hooks, leaves behind. Only for directories that one
     * process owns (a runtime's work directory).
     *
     * @return what was released, one line each
     * @throws GuestRuntimeException naming what could not be released
     */
    public static List<String> releaseUnder(Path dir) {
        List<String> released = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return released;
        }
        String prefix;
        List<String> lines;
        try {
            prefix = dir.toRealPath() + "/";
            lines = Files.readAllLines(Path.of("/proc/mounts"));
        } catch (IOException e) {
            throw new GuestRuntimeException("cannot look for mounts left under " + dir + ": " + e.getMessage(), true, e);
        }
        List<String[]> stale = new ArrayList<>();
        for (String line : lines) {
            String[] fields = line.split(" ");
            if (fields.length > 1 && fields[1].startsWith(prefix)) {
                stale.add(fields);
            }
        }
        stale.sort((a, b) -> Integer.compare(b[1].split("/").length, a[1].split("/").length));
        for (String[] mount : stale) {
            HostCommand.Result result = HostCommand.exec(List.of("umount", mount[1]), TIMEOUT);
            if (result.exitCode() != 0) {
                result = HostCommand.exec(List.of("umount", "--lazy", mount[1]), TIMEOUT);
                if (result.exitCode() != 0) {
                    throw new GuestRuntimeException("cannot unmount the leftover " + mount[1] + ": " + result.message(), true);
                }
            }
            released.add("mount " + mount[0] + " on " + mount[1]);
            if (mount[0].startsWith("/dev/loop") && stale.stream().noneMatch(m -> m != mount && m[0].equals(mount[0]))) {
                HostCommand.Result detach = HostCommand.exec(List.of("losetup", "--detach", mount[0]), TIMEOUT);
                if (detach.exitCode() == 0) {
                    released.add("loop device " + mount[0]);
                }
            }
        }
        return released;
    }

    public Path mountPoint() {
        return mountPoint;
    }

    /** The loop device, or null for a bind mount. */
    public String device() {
        return device;
    }

    public boolean readOnly() {
        return readOnly;
    }

    /**
     * Unmounts (retrying while busy, lazily as the last resort) and detaches the loop device.
     *
     * @throws GuestRuntimeException when the device cannot be released; the message names it
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        HostCommand.Result result = null;
        for (int attempt = 1; attempt <= 5; attempt++) {
            result = HostCommand.exec(List.of("umount", mountPoint.toString()), TIMEOUT);
            if (result.exitCode() == 0) {
                break;
            }
            try {
                Thread.sleep(100L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (result.exitCode() != 0) {
            HostCommand.Result lazy = HostCommand.exec(List.of("umount", "--lazy", mountPoint.toString()), TIMEOUT);
            if (lazy.exitCode() != 0) {
                throw new GuestRuntimeException("cannot unmount " + mountPoint + " (" + describe() + "): "
                        + result.message() + "; " + lazy.message(), true);
            }
        }
        closed = true;
        if (device != null) {
            detach(device);
        }
    }

    private String describe() {
        return device == null ? "bind mount" : device + " on " + region;
    }

    @Override
    public String toString() {
        return describe() + " at " + mountPoint + (readOnly ? " (ro)" : "");
    }
}
