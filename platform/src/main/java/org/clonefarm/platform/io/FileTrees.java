package org.clonefarm.platform.io;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Deleting a tree of files, the one way the project does it: depth first, never following a link (a link is
 * deleted, not what it points to), and never into another file system mounted inside the tree, so that a
 * leftover mount of a clone's or a master's disk is never emptied by a clean-up. Stateless and thread-safe.
 */
public final class FileTrees {
    private FileTrees() {
    }

    /**
     * Deletes {@code path} and, when it is a directory, everything in it. Nothing happens when it does not
     * exist.
     *
     * @throws IOException when an entry cannot be deleted, or a directory inside the tree is the mount point of
     *     another file system (the message names it; what was deleted before stays deleted)
     */
    public static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Object device = Files.readAttributes(path, "unix:dev", LinkOption.NOFOLLOW_LINKS).get("dev");
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Object dev = Files.readAttributes(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS).get("dev");
                if (!dev.equals(device)) {
                    throw new IOException(dir + " is the mount point of another file system; not deleting into it");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
