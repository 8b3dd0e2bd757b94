package org.clonefarm.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A small root file system shaped like a Debian 12 master, for the master preparation's tests: merged
 * {@code /usr} links, {@code /etc} with relative links that leave it ({@code os-release}, {@code mtab}) and
 * one that stays in it ({@code rc2.d}), the master's agent configuration with its own post-mount list and
 * its own list of writable paths, {@code /dev} with real device nodes ({@code mknod}) and a fifo, writable
 * state under {@code /usr/local/var} and {@code /opt/acme}, homes with a hard-linked file, owners other
 * than root, setgid and sticky directories, extended attributes in the user and trusted name spaces, and
 * every entry's modification time set to a distinct past instant with nanoseconds. Needs root.
 */
public final class DebianLikeTree {
    /** The post-mount list in the tree's {@code /etc/clonefarm/agent.properties}; {@code /etc/adjtime} is absent. */
    public static final String POST_MOUNT = "/etc/hosts,/etc/resolv.conf,/etc/adjtime";

    private DebianLikeTree() {
    }

    /**
     * Builds the tree at {@code root} (which may already hold mounted, empty {@code var} or {@code usr}
     * directories).
     */
    public static Path create(Path root) throws IOException {
        for (String dir : List.of("boot", "etc", "dev", "home", "proc", "sys", "run", "srv", "mnt", "usr/bin", "usr/sbin",
                "usr/lib", "var", "opt")) {
            Files.createDirectories(root.resolve(dir));
        }
        for (String merged : List.of("bin", "sbin", "lib")) {
            Files.createSymbolicLink(root.resolve(merged), Path.of("usr/" + merged));
        }
        mode(dir(root, "root"), 0700);
        mode(dir(root, "tmp"), 01777);
        write(root, "boot/vmlinuz-6.1.0-27-s390x", "a kernel\n");
        // /usr: the system's, linked read-only by the clones
        write(root, "usr/lib/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
                + "VERSION_ID=\"12\"\nID=debian\n");
        write(root, "usr/bin/ls", "#!/bin/sh\necho ls\n");
        mode(root.resolve("usr/bin/ls"), 0755);
        write(root, "usr/share/zoneinfo/Etc/UTC", "TZif2 UTC\n");
        write(root, "usr/local/bin/tool", "#!/bin/sh\necho tool\n");
        mode(root.resolve("usr/local/bin/tool"), 0755);
        Path state = write(root, "usr/local/var/lib/app/state.db", "application state, written at run time\n");
        owner(state, 1001, 1001);
        mode(state, 0640);
        TreeManifest.setXattr(state, "user.clonefarm.origin", "built from source");
        Files.createSymbolicLink(root.resolve("usr/local/var/run"), Path.of("../../../run"));
        Path counter = write(root, "usr/share/acme/counter", "41\n");
        owner(counter, 1001, 1001);
        mode(counter, 0664);
        // /opt: an add-on package
        write(root, "opt/acme/bin/acme", "#!/bin/sh\necho acme\n");
        mode(root.resolve("opt/acme/bin/acme"), 0755);
        write(root, "opt/acme/etc/acme.conf", "level=info\n");
        write(root, "opt/acme/logs/acme.log", "acme started\n");
        write(root, "opt/acme/state/queue", "job 1\n");
        // /etc
        Files.createSymbolicLink(root.resolve("etc/os-release"), Path.of("../usr/lib/os-release"));
        Files.createSymbolicLink(root.resolve("etc/mtab"), Path.of("../proc/self/mounts"));
        Files.createSymbolicLink(root.resolve("etc/localtime"), Path.of("/usr/share/zoneinfo/Etc/UTC"));
        write(root, "etc/hostname", "lnxmstr\n");
        Path hosts = write(root, "etc/hosts", "127.0.0.1\tlocalhost\n10.1.0.10\tlnxmstr.example.com lnxmstr\n");
        TreeManifest.setXattr(hosts, "user.clonefarm.note", "post-mount");
        write(root, "etc/resolv.conf", "nameserver 10.1.0.2\n");
        write(root, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n");
        Path shadow = write(root, "etc/shadow", "root:*:19000:0:99999:7:::\nalice:!:19000:0:99999:7:::\n");
        owner(shadow, 0, 42);
        mode(shadow, 0640);
        write(root, "etc/fstab", "/dev/disk/by-path/ccw-0.0.0200 / ext4 defaults 1 1\n");
        write(root, "etc/init.d/ssh", "#!/bin/sh\n");
        mode(root.resolve("etc/init.d/ssh"), 0755);
        Files.createDirectories(root.resolve("etc/rc2.d"));
        Files.createSymbolicLink(root.resolve("etc/rc2.d/S01ssh"), Path.of("../init.d/ssh"));
        Path key = write(root, "etc/ssh/ssh_host_ed25519_key", "not a real key\n");
        mode(key, 0600);
        write(root, "etc/clonefarm/agent.properties", "bootstrap.servers=127.0.0.1:9092\ninitrd.post.mount=" + POST_MOUNT + "\n");
        write(root, "etc/clonefarm/writable", "# paths this master's software writes at run time\n"
                + "/usr/share/acme/counter\n/opt/*/state\n/srv/www/uploads\n/var/lib/acme\n/usr/share/missing\n");
        // /dev
        HostCommands.run("mknod", "-m", "666", root.resolve("dev/null").toString(), "c", "1", "3");
        HostCommands.run("mknod", "-m", "666", root.resolve("dev/zero").toString(), "c", "1", "5");
        HostCommands.run("mknod", "-m", "600", root.resolve("dev/console").toString(), "c", "5", "1");
        HostCommands.run("mknod", "-m", "660", root.resolve("dev/dasda").toString(), "b", "94", "0");
        owner(root.resolve("dev/dasda"), 0, 6);
        HostCommands.run("mkfifo", "-m", "600", root.resolve("dev/initctl").toString());
        Files.createSymbolicLink(root.resolve("dev/fd"), Path.of("/proc/self/fd"));
        Files.createDirectories(root.resolve("dev/pts"));
        mode(dir(root, "dev/shm"), 01777);
        // /var: its own disk on a master
        write(root, "var/lib/dpkg/status", "Package: base-files\nStatus: install ok installed\n");
        write(root, "var/lib/acme/cache", "cached\n");
        write(root, "var/log/syslog", "booted\n");
        Path varLocal = dir(root, "var/local");
        owner(varLocal, 0, 50);
        mode(varLocal, 02775);
        // homes, root's home, /tmp, /srv
        Path alice = dir(root, "home/alice");
        Path notes = write(root, "home/alice/notes.txt", "remember the milk\n");
        Files.createLink(root.resolve("home/alice/notes-link.txt"), notes);
        Path profile = write(root, "home/alice/.profile", "PATH=$HOME/bin:$PATH\n");
        TreeManifest.setXattr(profile, "trusted.clonefarm.test", "kept");
        for (Path p : List.of(alice, notes, profile)) {
            owner(p, 1000, 1000);
        }
        mode(alice, 0750);
        mode(write(root, "root/.bash_history", "ls\n"), 0600);
        mode(dir(root, "tmp/.X11-unix"), 01777);
        write(root, "srv/www/uploads/a.png", "PNG");
        stampTimes(root);
        return root;
    }

    /** Sets every entry's modification time, links included, to a distinct instant of 2024 with nanoseconds. */
    private static void stampTimes(Path root) throws IOException {
        List<Path> paths = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                paths.add(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure) {
                paths.add(dir);
                return FileVisitResult.CONTINUE;
            }
        });
        Instant base = Instant.parse("2024-03-01T10:00:00Z");
        for (int i = 0; i < paths.size(); i++) {
            Instant time = base.plusSeconds(3607L * i).plusNanos(123_456_789L + i);
            Path path = paths.get(i);
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) || Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                Files.getFileAttributeView(path, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setTimes(FileTime.from(time), null, null);
            } else {
                // Java opens the entry to set its time, which blocks on a fifo and fails on a device without a driver,
                // and sets a link's time only to the microsecond (lutimes)
                HostCommands.run("touch", "--no-dereference", "--date=@" + time.getEpochSecond() + "."
                        + String.format("%09d", time.getNano()), path.toString());
            }
        }
    }

    private static Path dir(Path root, String relative) throws IOException {
        return Files.createDirectories(root.resolve(relative));
    }

    private static Path write(Path root, String relative, String text) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private static void mode(Path path, int mode) throws IOException {
        Files.setAttribute(path, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
    }

    private static void owner(Path path, int uid, int gid) throws IOException {
        Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }
}
