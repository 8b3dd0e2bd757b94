package org.clonefarm.platform.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.clonefarm.platform.io.LoopMountException.Context;
import org.clonefarm.platform.io.LoopMountException.Step;

/**
 * A file system mounted on the host: the one way the project mounts and releases one. Usually the file
 * system in a region of a file or block device, through a {@link LoopDevice} of its own
 * ({@code losetup --find --show --offset O --sizelimit L [--read-only] FILE}, then
 * {@code mount [-t TYPE] [-o ro,OPTIONS] /dev/loopN DIR}); also a block device mounted as it is
 * ({@link #mountDevice}) and a bind mount ({@link #bind}), which have no loop device of their own.
 *
 * <p>{@link #close()} unmounts, retrying while the file system is busy (for a second by default,
 * {@link Options#unmountPatience()}), then lazily ({@code umount --lazy}) as the last resort unless
 * {@link Options#withoutLazyUnmount()} said the caller must know the file system is gone, and then detaches
 * the loop device; it is idempotent. A
 * failed mount releases what it set up before it throws. A process killed with SIGKILL (which skips
 * shutdown hooks and {@code finally}) leaves its mounts: {@link #releaseUnder} at the next start releases
 * what is mounted under the directory it owns. Every failure is a {@link LoopMountException} naming the
 * step, the place and what the tool said.
 *
 * <p>Needs root. Thread-safe: close may race with another close.
 */
public final class LoopMount implements AutoCloseable {
    private static final long MAX_UNMOUNT_PAUSE_MS = 1000;
    private static final Path PROC_MOUNTS = Path.of("/proc/mounts");

    /**
     * How a file system is mounted and released. Immutable.
     *
     * @param readOnly the loop device is read-only and the mount {@code ro}: nothing reaches the bytes
     *     (with {@code noload} among the options, not even an ext3/4 journal replay)
     * @param type the file system type ({@code mount -t}), or null for the type the kernel detects
     * @param mountOptions further {@code mount -o} options ({@code noload}, {@code nodev}, ...)
     * @param unmountPatience how long {@link #close()} keeps trying {@code umount} while the file system is
     *     busy (a process has a file open there, or the kernel holds it for a moment)
     * @param lazyUnmount whether {@link #close()} then unmounts lazily: the mount point is free at once, the
     *     file system is released when its last user lets go, and what is written until then is not yet on
     *     the bytes
     */
    public record Options(boolean readOnly, String type, List<String> mountOptions, Duration unmountPatience,
            boolean lazyUnmount) {
        /** Read-only, the type the kernel detects, a second's patience with a busy unmount, then lazily. */
        public static final Options READ_ONLY = new Options(true, null, List.of(), Duration.ofSeconds(1), true);

        /** Read/write, the type the kernel detects, a second's patience with a busy unmount, then lazily. */
        public static final Options READ_WRITE = new Options(false, null, List.of(), Duration.ofSeconds(1), true);

        public Options {
            mountOptions = List.copyOf(mountOptions);
            Objects.requireNonNull(unmountPatience, "unmountPatience");
        }

        /** These options with the file system type given ({@code mount -t}). */
        public Options withType(String fileSystemType) {
            return new Options(readOnly, Objects.requireNonNull(fileSystemType, "fileSystemType"), mountOptions,
                    unmountPatience, lazyUnmount);
        }

        /** These options with {@code options} added to {@code mount -o}. */
        public Options withMountOptions(String... options) {
            List<String> all = new ArrayList<>(mountOptions);
            all.addAll(List.of(options));
            return new Options(readOnly, type, all, unmountPatience, lazyUnmount);
        }

        /** These options with another patience with a busy unmount. */
        public Options withUnmountPatience(Duration patience) {
            return new Options(readOnly, type, mountOptions, patience, lazyUnmount);
        }

        /**
         * These options with no lazy unmount: {@link #close()} fails while the file system stays busy, for a
         * caller that must know that what it wrote is on the bytes when close returns.
         */
        public Options withoutLazyUnmount() {
            return new Options(readOnly, type, mountOptions, unmountPatience, false);
        }
    }

    private final Path mountPoint;
    private final LoopDevice loop;
    private final Path device;
    private final Path bindSource;
    private final Options options;
    private boolean closed;

    private LoopMount(Path mountPoint, LoopDevice loop, Path device, Path bindSource, Options options) {
        this.mountPoint = mountPoint;
        this.loop = loop;
        this.device = device;
        this.bindSource = bindSource;
        this.options = options;
    }

    /**
     * Mounts the file system in {@code region} at {@code mountPoint} (created if missing) through a loop
     * device of its own.
     *
     * @throws LoopMountException naming the region, the device and the mount point: the mount point cannot
     *     be created ({@link Step#CREATE_MOUNT_POINT}), no loop device ({@link Step#ATTACH}, retryable), the
     *     file system does not mount ({@link Step#MOUNT}, not retryable); nothing is left attached then
     */
    public static LoopMount mount(FileRegion region, Path mountPoint, Options options) throws LoopMountException {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(options, "options");
        createMountPoint(mountPoint);
        LoopDevice loop = LoopDevice.attach(region, options.readOnly());
        try {
            mountSource(loop.device().toString(), mountPoint, options, new Context(Step.MOUNT, "cannot mount "
                    + theFileSystem(options) + " of " + region + " (" + loop.device() + ") at " + mountPoint, region,
                    loop.device(), mountPoint));
        } catch (LoopMountException e) {
            try {
                loop.close();
            } catch (LoopMountException detaching) {
                e.addSuppressed(detaching);
            }
            throw e;
        }
        return new LoopMount(mountPoint, loop, loop.device(), null, options);
    }

    /**
     * Mounts the file system that fills the block device {@code device} from its first byte, as it is (no
     * loop device), at {@code mountPoint} (created if missing).
     *
     * @throws LoopMountException ({@link Step#CREATE_MOUNT_POINT} or {@link Step#MOUNT}) naming the device and
     *     the mount point
     */
    public static LoopMount mountDevice(Path device, Path mountPoint, Options options) throws LoopMountException {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(options, "options");
        createMountPoint(mountPoint);
        mountSource(device.toString(), mountPoint, options, new Context(Step.MOUNT, "cannot mount " + theFileSystem(options)
                + " of " + device + " at " + mountPoint, null, device, mountPoint));
        return new LoopMount(mountPoint, null, device, null, options);
    }

    /**
     * Bind-mounts the directory {@code source} over {@code mountPoint}, which must exist.
     *
     * @throws LoopMountException ({@link Step#MOUNT}) naming both
     */
    public static LoopMount bind(Path source, Path mountPoint) throws LoopMountException {
        Context binding = new Context(Step.MOUNT, "cannot bind-mount " + source + " at " + mountPoint, null, null, mountPoint);
        HostTool.Result result = LoopDevice.run(List.of("mount", "--bind", source.toString(), mountPoint.toString()), binding);
        if (!result.ok()) {
            throw binding.fail(result.message(), false, null);
        }
        return new LoopMount(mountPoint, null, null, source, Options.READ_WRITE);
    }

    private static void createMountPoint(Path mountPoint) throws LoopMountException {
        try {
            Files.createDirectories(mountPoint);
        } catch (IOException e) {
            throw new Context(Step.CREATE_MOUNT_POINT, "cannot create the mount point " + mountPoint, null, null, mountPoint)
                    .fail(e.getMessage(), false, e);
        }
    }

    /** {@code the ext4 file system}, or {@code the file system} when the kernel detects the type. */
    private static String theFileSystem(Options options) {
        return options.type() == null ? "the file system" : "the " + options.type() + " file system";
    }

    private static void mountSource(String source, Path mountPoint, Options options, Context mounting)
            throws LoopMountException {
        List<String> command = new ArrayList<>(List.of("mount"));
        if (options.type() != null) {
            command.addAll(List.of("-t", options.type()));
        }
        List<String> flags = new ArrayList<>();
        if (options.readOnly()) {
            flags.add("ro");
        }
        flags.addAll(options.mountOptions());
        if (!flags.isEmpty()) {
            command.addAll(List.of("-o", String.join(",", flags)));
        }
        command.addAll(List.of(source, mountPoint.toString()));
        HostTool.Result result = LoopDevice.run(command, mounting);
        if (!result.ok()) {
            throw mounting.fail(result.message(), false, null);
        }
    }

    /**
     * Unmounts every file system mounted under {@code dir} (deepest first), lazily where one stays busy,
     * and detaches its loop device once no other mount under {@code dir} uses it: what a process killed
     * with SIGKILL left. Only for a directory one process owns (a runtime's work directory, a worker's
     * mount directory). A loop device losetup cannot detach is left as it is and not listed.
     *
     * @return what was released, one line each: {@code mount DEVICE on DIR}, {@code loop device DEVICE}
     * @throws LoopMountException ({@link Step#RELEASE_LEFTOVERS}, retryable) naming the mount that could not
     *     be released, or the directory that could not be searched
     */
    public static List<String> releaseUnder(Path dir) throws LoopMountException {
        List<String> released = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return released;
        }
        String prefix;
        List<String> lines;
        try {
            prefix = dir.toRealPath() + "/";
            lines = Files.readAllLines(PROC_MOUNTS);
        } catch (IOException e) {
            throw new Context(Step.RELEASE_LEFTOVERS, "cannot look for mounts left under " + dir, null, null, dir)
                    .fail(e.getMessage(), true, e);
        }
        List<String[]> stale = new ArrayList<>();
        for (String line : lines) {
            String[] fields = line.split(" ");
            if (fields.length > 1 && fields[1].startsWith(prefix)) {
                stale.add(fields);
            }
        }
        stale.sort(Comparator.comparingInt((String[] mount) -> mount[1].split("/").length).reversed());
        for (String[] mount : stale) {
            Path leftover = Path.of(mount[1]);
            Context releasing = new Context(Step.RELEASE_LEFTOVERS, "cannot unmount the leftover " + leftover, null,
                    mount[0].startsWith("/dev/") ? Path.of(mount[0]) : null, leftover);
            HostTool.Result result = LoopDevice.run(List.of("umount", mount[1]), releasing);
            if (!result.ok()) {
                result = LoopDevice.run(List.of("umount", "--lazy", mount[1]), releasing);
                if (!result.ok()) {
                    throw releasing.fail(result.message(), true, null);
                }
            }
            released.add("mount " + mount[0] + " on " + mount[1]);
            if (mount[0].startsWith("/dev/loop") && stale.stream().noneMatch(m -> m != mount && m[0].equals(mount[0]))) {
                Context detaching = new Context(Step.RELEASE_LEFTOVERS, "cannot detach the leftover " + mount[0], null,
                        Path.of(mount[0]), leftover);
                if (LoopDevice.run(List.of("losetup", "--detach", mount[0]), detaching).ok()) {
                    released.add("loop device " + mount[0]);
                }
            }
        }
        return released;
    }

    public Path mountPoint() {
        return mountPoint;
    }

    /** The loop device of a region's mount, the block device of {@link #mountDevice}; empty for a bind mount. */
    public Optional<Path> device() {
        return Optional.ofNullable(device);
    }

    /** The loop device of its own, for a region's mount. */
    public Optional<LoopDevice> loopDevice() {
        return Optional.ofNullable(loop);
    }

    public Options options() {
        return options;
    }

    public boolean readOnly() {
        return options.readOnly();
    }

    /**
     * Unmounts (retrying while busy, then lazily unless the options forbid it) and detaches the loop device;
     * a second call does nothing once the unmount succeeded.
     *
     * @throws LoopMountException {@link Step#UNMOUNT} (retryable) naming the mount point and the device, what
     *     umount said and, when it was tried, what the lazy umount said; it may be called again then.
     *     {@link Step#DETACH} (retryable) when the loop device cannot be detached after the unmount
     */
    @Override
    public synchronized void close() throws LoopMountException {
        if (closed) {
            return;
        }
        Context unmounting = new Context(Step.UNMOUNT, "cannot unmount " + mountPoint + " (" + describe() + ")",
                loop == null ? null : loop.region(), device, mountPoint);
        long deadline = System.nanoTime() + options.unmountPatience().toNanos();
        HostTool.Result result;
        for (int attempt = 1; ; attempt++) {
            result = LoopDevice.run(List.of("umount", mountPoint.toString()), unmounting);
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (result.ok() || left <= 0) {
                break;
            }
            // busy: a process still has a file open there, or the kernel still holds it for a moment
            try {
                Thread.sleep(Math.min(Math.min(100L * attempt, MAX_UNMOUNT_PAUSE_MS), left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!result.ok()) {
            if (!options.lazyUnmount()) {
                throw unmounting.fail(result.message(), true, null);
            }
            HostTool.Result lazy = LoopDevice.run(List.of("umount", "--lazy", mountPoint.toString()), unmounting);
            if (!lazy.ok()) {
                throw unmounting.fail(result.message() + "; " + lazy.message(), true, null);
            }
        }
        closed = true;
        if (loop != null) {
            loop.close();
        }
    }

    private String describe() {
        if (loop != null) {
            return loop.device() + " on " + loop.region();
        }
        return device != null ? device.toString() : "bind mount of " + bindSource;
    }

    @Override
    public String toString() {
        return describe() + " at " + mountPoint + (options.readOnly() ? " (ro)" : "");
    }
}
