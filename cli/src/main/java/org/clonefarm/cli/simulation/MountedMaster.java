package org.clonefarm.cli.simulation;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.io.FileLocks;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.LoopMount;
import org.clonefarm.platform.layout.CloneLayout.Role;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.platform.volume.Volume;

/**
 * A master of the local simulation as one tree of this host: its root minidisk ({@link Role#ROOT}) loop-mounted
 * (read-write, or read-only without journal replay) at {@code <data>/run/master-mount/root}, and its /var, /usr and /opt minidisks, where the master
 * has them at their roles' vaddrs, mounted at their mount points below ({@link Role#mountPoint()}). The disks
 * are found through the simulation's directory and volumes, as the clones' are.
 *
 * <p>One at a time per data directory: {@link #mount} holds a lock on {@code <data>/run/master-mount/.lock}
 * until {@link #close()}, and first releases mounts a killed process left there. {@link #close()} unmounts in
 * reverse order and detaches the loop devices. Not thread-safe.
 */
public final class MountedMaster implements AutoCloseable {
    private static final Duration LOCK_WAIT = Duration.ofSeconds(60);

    private final Path root;
    private final List<LoopMount> mounts;
    /** Holds the lock ({@link FileLocks#acquire}) until it is closed. */
    private final FileChannel lockChannel;

    private MountedMaster(Path root, List<LoopMount> mounts, FileChannel lockChannel) {
        this.root = root;
        this.mounts = mounts;
        this.lockChannel = lockChannel;
    }

    /**
     * Mounts the master's disks.
     *
     * @throws GuestRuntimeException naming the master, the disk or the mount point when a disk cannot be found
     *     or mounted (nothing stays mounted then), or another process holds the lock for a minute
     */
    public static MountedMaster mount(SimulationDataDirectory data, Userid master, boolean readOnly) {
        Path work = data.root().resolve("run/master-mount");
        FileChannel channel = null;
        List<LoopMount> mounts = new ArrayList<>();
        try {
            Files.createDirectories(work);
            channel = FileChannel.open(work.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                FileLocks.acquire(channel, LOCK_WAIT);
            } catch (IOException e) {
                throw new GuestRuntimeException("the master's disks in " + data.root() + " are mounted by another clonefarm"
                        + " process (" + e.getMessage() + ")", true, e);
            }
            LoopMount.releaseUnder(work);
            UserDirectory directory = data.readDirectory();
            Map<Volser, Volume> volumes = data.volumes();
            if (directory.minidisk(master, Role.ROOT.vaddr()).isEmpty()) {
                throw new GuestRuntimeException(master + " has no root minidisk " + Role.ROOT.vaddr() + " in " + data.directoryFile(),
                        false);
            }
            Path root = work.resolve("root");
            for (Role role : List.of(Role.ROOT, Role.VAR, Role.USR, Role.OPT)) {
                if (directory.minidisk(master, role.vaddr()).isEmpty()) {
                    continue;
                }
                FileRegion region = data.resolve(directory, volumes, master, role.vaddr());
                String at = role.mountPoint().orElseThrow();
                Path mountPoint = at.equals("/") ? root : root.resolve(at.substring(1));
                if (role != Role.ROOT && !Files.isDirectory(mountPoint, LinkOption.NOFOLLOW_LINKS)) {
                    throw new GuestRuntimeException(master + "'s root has no directory " + at + " to mount its "
                            + role.vaddr() + " on", false);
                }
                mounts.add(LoopMountGuestRuntime.mountDisk(region, mountPoint, readOnly));
            }
            return new MountedMaster(root, mounts, channel);
        } catch (IOException | RuntimeException e) {
            GuestRuntimeException failure = e instanceof GuestRuntimeException g ? g
                    : new GuestRuntimeException("cannot mount the disks of " + master + " in " + data.root() + ": " + e, false, e);
            unmount(mounts, failure);
            closeLock(channel, failure);
            throw failure;
        }
    }

    /** The master's root, with /var, /usr and /opt mounted below. */
    public Path root() {
        return root;
    }

    /** Unmounts everything (the disks are written back), then releases the lock. */
    @Override
    public void close() {
        GuestRuntimeException failure = new GuestRuntimeException("cannot release the master's disks", true);
        unmount(mounts, failure);
        closeLock(lockChannel, failure);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
    }

    private static void unmount(List<LoopMount> mounts, Exception failure) {
        for (int i = mounts.size() - 1; i >= 0; i--) {
            try {
                mounts.get(i).close();
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
        mounts.clear();
    }

    private static void closeLock(FileChannel channel, Exception failure) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }
}
