package org.clonefarm.worker.service.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import org.clonefarm.messaging.CloneKey;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.proto.CloneDisk;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.DiskAction;
import org.clonefarm.proto.DiskRole;
import org.clonefarm.worker.disk.AttachedDisk;
import org.clonefarm.worker.disk.DiskAccessException;
import org.clonefarm.worker.disk.TargetFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seeds a clone's own key ({@link CloneKey}: derived from the farm key, the clone's userid, batch and the
 * request's attempt) into the file system of its /var minidisk, once that disk is copied and while its
 * target is still attached: {@code <var>/}{@value CloneLayout#CLONE_KEY_IN_VAR}, mode 0600, owner root. The /var is
 * the one disk every profile copies for the clone alone (an RO-root clone owns no root); the 191 and every
 * LINKed disk are the master's and readable by all clones, so the key never goes there. The guest agent
 * signs its events with the key; the coordinator relays only events that carry a valid signature.
 *
 * <p>Durability order: the key file is written to a temporary file, forced, renamed over the key file, the
 * directory forced, then the file system unmounted and the device forced ({@link TargetFileSystem#close()}),
 * all before {@link #seed} returns, so the job publishes {@code DiskCopied} and {@code CloneCopied} only
 * after the key is on the disk. Every delivery of the request seeds again (a resumed copy, a copy answered
 * from checkpoints, a FLASHCOPY done earlier), and a retry's request (attempt + 1) seeds the new attempt's
 * key over the old one.
 *
 * <p>The clone's file system came from the master and is not trusted to be well-formed: an existing
 * {@code lib} or {@code lib/clonefarm} that is not a plain directory (a symbolic link that would lead out
 * of the mount) is refused, and the key file is created exclusively and renamed, never opened through a link.
 *
 * <p>Thread-safe: each seed mounts at a directory of its own ({@code USERID-VADDR}), and a worker copies a
 * clone's request once at a time.
 */
final class CloneKeySeeder {
    private static final Logger LOG = LoggerFactory.getLogger(CloneKeySeeder.class);

    private final FarmKey farmKey;
    private final Path mountDirectory;

    /**
     * @param mountDirectory where the worker mounts targets to seed them; released at start
     *     ({@link TargetFileSystem#releaseLeftovers})
     */
    CloneKeySeeder(FarmKey farmKey, Path mountDirectory) {
        this.farmKey = Objects.requireNonNull(farmKey, "farmKey");
        this.mountDirectory = Objects.requireNonNull(mountDirectory, "mountDirectory");
    }

    /** Whether the clone's key goes onto this disk: its copied /var. */
    static boolean holdsKey(CloneDisk disk) {
        return disk.getRole() == DiskRole.DISK_ROLE_VAR && disk.getAction() == DiskAction.DISK_ACTION_COPY;
    }

    /**
     * Writes the key of {@code request}'s clone and attempt into the file system on {@code target} and
     * returns when it is durable.
     *
     * @throws DiskAccessException naming the clone, the disk and the step; retryable unless the disk holds
     *     no file system or its directories are not plain directories
     */
    void seed(CloneRequest request, AttachedDisk target) throws DiskAccessException {
        CloneKey key;
        try {
            key = CloneKey.derive(farmKey, request.getUserid(), request.getBatchId(), request.getAttempt());
        } catch (IllegalArgumentException e) {
            throw new DiskAccessException("cannot make the clone key of " + request.getUserid() + ": " + e.getMessage(),
                    false, e);
        }
        Path mountPoint = mountDirectory.resolve(request.getUserid() + "-" + target.extent().getVaddr());
        // a failure to unmount is suppressed in the write's failure, or thrown when the write succeeded
        try (TargetFileSystem fileSystem = TargetFileSystem.mount(target, mountPoint)) {
            write(fileSystem.root(), key, target);
        }
        LOG.info("clone {} attempt {}: key seeded into /var/{} on {}", request.getUserid(), request.getAttempt(),
                CloneLayout.CLONE_KEY_IN_VAR, target.describe());
    }

    private static void write(Path varRoot, CloneKey key, AttachedDisk target) throws DiskAccessException {
        Path file = varRoot.resolve(CloneLayout.CLONE_KEY_IN_VAR);
        Path directory = file.getParent();
        Path temp = null;
        try {
            for (Path dir = varRoot; !dir.equals(directory); ) {
                dir = dir.resolve(directory.getName(dir.getNameCount()));
                plainDirectory(varRoot, dir, target);
            }
            temp = Files.createTempFile(directory, ".clone-key", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                out.write(ByteBuffer.wrap(key.toFileBytes()));
                out.force(true);
            }
            Files.setAttribute(temp, "unix:uid", 0, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(temp, "unix:gid", 0, LinkOption.NOFOLLOW_LINKS);
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
            try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new DiskAccessException("cannot write the clone key of " + key.describe() + " into /var/"
                    + CloneLayout.CLONE_KEY_IN_VAR + " on " + target.describe() + ": " + e, true, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the file system is unmounted next; a stray temp file is seeded over by the next attempt
                }
            }
        }
    }

    /** Makes {@code dir} (mode 0755, owner root) unless it is a plain directory already; refuses anything else. */
    private static void plainDirectory(Path varRoot, Path dir, AttachedDisk target) throws IOException, DiskAccessException {
        if (Files.isSymbolicLink(dir) || (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)
                && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS))) {
            throw new DiskAccessException("the /var of " + target.describe() + " has /var/" + varRoot.relativize(dir)
                    + " as something else than a directory (a link or a file): the clone key is not written through it",
                    false);
        }
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            Files.setAttribute(dir, "unix:uid", 0, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(dir, "unix:gid", 0, LinkOption.NOFOLLOW_LINKS);
        }
    }
}
