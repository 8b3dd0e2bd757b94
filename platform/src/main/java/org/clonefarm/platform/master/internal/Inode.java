package org.clonefarm.platform.master.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code lstat} says of one entry: the link itself, never what it points to. Immutable.
 *
 * @param mode the whole {@code st_mode}: type and permission bits
 */
public record Inode(int mode, int uid, int gid, long size, long dev, long ino, int nlink, long rdev, FileTime mtime) {
    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;
    static final int S_IFLNK = 0120000;
    static final int S_IFREG = 0100000;
    static final int S_IFCHR = 0020000;
    static final int S_IFBLK = 0060000;
    static final int S_IFIFO = 0010000;

    /** The entry at {@code path} without following a link there, or empty when there is none. */
    public static Optional<Inode> of(Path path) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(path, "unix:mode,uid,gid,size,dev,ino,nlink,rdev,lastModifiedTime",
                    LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(new Inode((Integer) a.get("mode"), (Integer) a.get("uid"), (Integer) a.get("gid"),
                (Long) a.get("size"), (Long) a.get("dev"), (Long) a.get("ino"), (Integer) a.get("nlink"),
                (Long) a.get("rdev"), (FileTime) a.get("lastModifiedTime")));
    }

    public boolean isDirectory() {
        return (mode & S_IFMT) == S_IFDIR;
    }

    public boolean isLink() {
        return (mode & S_IFMT) == S_IFLNK;
    }

    public boolean isRegularFile() {
        return (mode & S_IFMT) == S_IFREG;
    }

    /** The permission bits with setuid, setgid and sticky. */
    public int permissions() {
        return mode & 07777;
    }

    /** What the entry is, in words: {@code directory}, {@code file}, {@code link}, {@code char device}, ... */
    public String type() {
        switch (mode & S_IFMT) {
            case S_IFDIR:
                return "directory";
            case S_IFREG:
                return "file";
            case S_IFLNK:
                return "link";
            case S_IFCHR:
                return "char device";
            case S_IFBLK:
                return "block device";
            case S_IFIFO:
                return "fifo";
            default:
                return "socket";
        }
    }
}
