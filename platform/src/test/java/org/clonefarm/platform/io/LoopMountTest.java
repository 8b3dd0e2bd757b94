package org.clonefarm.platform.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.clonefarm.platform.io.LoopMountException.Step;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one loop mount of the project on real loop devices and real ext4 (root and e2fsprogs needed, as in
 * CI): a region at an offset of an image, read-only; a file system that does not mount; a busy file
 * system (a file held open) tried again, unmounted lazily, or refused; the mounts a SIGKILLed JVM left,
 * released. Whatever a test leaves is released after it, also when it failed.
 */
@Timeout(180)
class LoopMountTest {
    private static final long MIB = 1L << 20;
    private static final long FS_SIZE = 8 * MIB;
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private Process child;
    private final List<AutoCloseable> held = new ArrayList<>();

    /** Kills the child, closes held files, then releases every mount under the temp dir and every loop device over it. */
    @AfterEach
    void releaseEverything() throws Exception {
        if (child != null) {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS); // a SIGKILLed process ends at once; the release below checks the rest
        }
        for (AutoCloseable file : held) {
            file.close();
        }
        LoopMount.releaseUnder(dir);
        for (String device : loopDevicesOver(dir)) {
            HostTool.run(List.of("losetup", "--detach", device), TOOL_TIMEOUT);
        }
        assertThat(mountsUnder(dir)).as("mounts left under the temp dir").isEmpty();
    }

    /** A region at an offset of an image is mounted read-only: its files read, nothing writes, the image stays as it was. */
    @Test
    void regionAtAnOffsetIsMountedReadOnlyAndItsBytesStayAsTheyWere() throws Exception {
        Path image = imageWithExt4At(3 * MIB);
        String before = digest(image);
        FileRegion region = new FileRegion(image, 3 * MIB, FS_SIZE);

        try (LoopMount mount = LoopMount.mount(region, dir.resolve("ro"),
                LoopMount.Options.READ_ONLY.withType("ext4").withMountOptions("noload"))) {
            assertThat(Files.readString(mount.mountPoint().resolve("hello.txt"))).isEqualTo("hello at " + 3 * MIB);
            assertThatThrownBy(() -> Files.writeString(mount.mountPoint().resolve("new.txt"), "x"))
                    .isInstanceOf(IOException.class).hasMessageContaining("Read-only file system");
            Path sys = Path.of("/sys/block").resolve(mount.device().orElseThrow().getFileName());
            assertThat(Files.readString(sys.resolve("loop/offset")).strip()).isEqualTo(Long.toString(3 * MIB));
            assertThat(Files.readString(sys.resolve("loop/sizelimit")).strip()).isEqualTo(Long.toString(FS_SIZE));
            assertThat(Files.readString(sys.resolve("ro")).strip()).as("the loop device is read-only").isEqualTo("1");
            assertThat(mountsUnder(dir)).singleElement().asString().contains(mount.device().orElseThrow().toString());
        }

        assertThat(mountsUnder(dir)).isEmpty();
        assertThat(loopDevicesOver(dir)).isEmpty();
        assertThat(digest(image)).as("the image after a read-only mount").isEqualTo(before);
    }

    /** Bytes that hold no file system fail the mount as not retryable, naming the region and mount point; no loop device stays. */
    @Test
    void regionWithoutAFileSystemFailsTheMountAndLeavesNoLoopDevice() throws Exception {
        Path image = dir.resolve("zeros.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(FS_SIZE);
        }
        FileRegion region = new FileRegion(image, MIB, 4 * MIB);

        assertThatThrownBy(() -> LoopMount.mount(region, dir.resolve("none"), LoopMount.Options.READ_WRITE.withType("ext4")))
                .isInstanceOfSatisfying(LoopMountException.class, e -> {
                    assertThat(e.step()).isEqualTo(Step.MOUNT);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.region()).contains(region);
                    assertThat(e.device().orElseThrow().toString()).startsWith("/dev/loop");
                })
                .hasMessageStartingWith("cannot mount the ext4 file system of " + region + " (/dev/loop")
                .hasMessageContaining(") at " + dir.resolve("none") + ": ");
        assertThat(loopDevicesOver(dir)).isEmpty();
        assertThat(mountsUnder(dir)).isEmpty();
    }

    /** An unmount refused while a file is open is tried again; once the file is closed it succeeds, with what was written on the bytes. */
    @Test
    void busyUnmountIsTriedAgainUntilTheLastFileIsClosed() throws Exception {
        FileRegion region = new FileRegion(imageWithExt4At(MIB), MIB, FS_SIZE);
        LoopMount mount = LoopMount.mount(region, dir.resolve("busy"),
                LoopMount.Options.READ_WRITE.withUnmountPatience(Duration.ofSeconds(60)).withoutLazyUnmount());
        FileChannel file = hold(mount.mountPoint().resolve("held.txt"), "written while busy");

        CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
            try {
                mount.close();
            } catch (LoopMountException e) {
                throw new UncheckedIOException(e);
            }
        });
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10))
                .until(() -> !closing.isDone() && mountsUnder(dir).size() == 1);
        file.close();

        await().atMost(Duration.ofSeconds(30)).until(closing::isDone);
        closing.join();
        assertThat(mountsUnder(dir)).isEmpty();
        assertThat(loopDevicesOver(dir)).isEmpty();
        try (LoopMount again = LoopMount.mount(region, dir.resolve("check"), LoopMount.Options.READ_ONLY)) {
            assertThat(Files.readString(again.mountPoint().resolve("held.txt"))).isEqualTo("written while busy");
        }
    }

    /** A file system that stays busy is unmounted lazily: the mount point is free at once, the loop device goes when the file is closed. */
    @Test
    void busyFileSystemIsUnmountedLazilyAsTheLastResort() throws Exception {
        FileRegion region = new FileRegion(imageWithExt4At(MIB), MIB, FS_SIZE);
        LoopMount mount = LoopMount.mount(region, dir.resolve("lazy"), LoopMount.Options.READ_WRITE);
        FileChannel file = hold(mount.mountPoint().resolve("held.txt"), "first");

        mount.close();

        assertThat(mountsUnder(dir)).as("mounts once close returned").isEmpty();
        file.write(ByteBuffer.wrap(" and more".getBytes(StandardCharsets.UTF_8)));
        assertThat(loopDevicesOver(dir)).as("the loop device while the file is open").hasSize(1);
        file.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> loopDevicesOver(dir).isEmpty());
    }

    /** Without lazy unmount, a file system that stays busy fails close as retryable and stays mounted; a later close releases it. */
    @Test
    void withoutLazyUnmountABusyFileSystemFailsCloseUntilItIsFree() throws Exception {
        FileRegion region = new FileRegion(imageWithExt4At(MIB), MIB, FS_SIZE);
        LoopMount mount = LoopMount.mount(region, dir.resolve("strict"), LoopMount.Options.READ_WRITE.withoutLazyUnmount());
        FileChannel file = hold(mount.mountPoint().resolve("held.txt"), "held");
        String device = mount.device().orElseThrow().toString();

        assertThatThrownBy(mount::close).isInstanceOfSatisfying(LoopMountException.class, e -> {
            assertThat(e.step()).isEqualTo(Step.UNMOUNT);
            assertThat(e.retryable()).isTrue();
            assertThat(e.mountPoint()).contains(dir.resolve("strict"));
        }).hasMessageStartingWith("cannot unmount " + dir.resolve("strict") + " (" + device + " on " + region + "): ");
        assertThat(mountsUnder(dir)).singleElement().asString().contains(device);

        file.close();
        mount.close();
        assertThat(mountsUnder(dir)).isEmpty();
        assertThat(loopDevicesOver(dir)).isEmpty();
    }

    /** A JVM SIGKILLed while it holds two nested mounts leaves them; releaseUnder unmounts them deepest first and detaches both devices. */
    @Test
    void releaseUnderReleasesWhatASigkilledJvmLeftDeepestFirst() throws Exception {
        Path image = imageWithExt4At(MIB, 2 * MIB + FS_SIZE);
        Path work = Files.createDirectories(dir.resolve("work"));
        child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), MountingChild.class.getName(), image.toString(), work.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        await().atMost(Duration.ofSeconds(90)).until(() -> mountsUnder(work).size() == 2 || !child.isAlive());
        assertThat(child.isAlive()).as("the child holding the mounts (its output: %s)", dir.resolve("child.log")).isTrue();

        child.destroyForcibly();
        await().atMost(Duration.ofSeconds(30)).until(() -> !child.isAlive());
        assertThat(mountsUnder(work)).as("what the killed JVM left").hasSize(2);

        List<String> released = LoopMount.releaseUnder(work);

        String real = work.toRealPath().toString();
        assertThat(released).hasSize(4);
        assertThat(released.get(0)).matches("mount /dev/loop\\d+ on " + Pattern.quote(real + "/outer/inner"));
        assertThat(released.get(1)).matches("loop device /dev/loop\\d+");
        assertThat(released.get(2)).matches("mount /dev/loop\\d+ on " + Pattern.quote(real + "/outer"));
        assertThat(released.get(3)).matches("loop device /dev/loop\\d+");
        assertThat(mountsUnder(dir)).isEmpty();
        assertThat(loopDevicesOver(dir)).isEmpty();
        assertThat(LoopMount.releaseUnder(work)).as("a second release").isEmpty();
    }

    /** The child JVM: mounts the ext4 at 1 MiB at WORK/outer and the second one inside it, then waits to be killed. */
    public static final class MountingChild {
        public static void main(String[] args) throws Exception {
            Path image = Path.of(args[0]);
            Path work = Path.of(args[1]);
            LoopMount.mount(new FileRegion(image, MIB, FS_SIZE), work.resolve("outer"), LoopMount.Options.READ_WRITE);
            LoopMount.mount(new FileRegion(image, 2 * MIB + FS_SIZE, FS_SIZE), work.resolve("outer/inner"),
                    LoopMount.Options.READ_ONLY.withMountOptions("noload"));
            System.out.println("mounted");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /**
     * An image of random bytes with an 8 MiB ext4 (made by mkfs.ext4, holding {@code hello.txt} "hello at
     * OFFSET") at each offset, and 1 MiB of random bytes after the last.
     */
    private Path imageWithExt4At(long... offsets) throws Exception {
        Path image = dir.resolve("disk.img");
        long size = offsets[offsets.length - 1] + FS_SIZE + MIB;
        byte[] noise = new byte[(int) size];
        new Random(7).nextBytes(noise);
        Files.write(image, noise);
        for (long offset : offsets) {
            Path tree = Files.createDirectories(dir.resolve("tree-" + offset));
            Files.writeString(tree.resolve("hello.txt"), "hello at " + offset);
            Path fs = dir.resolve("fs-" + offset + ".img");
            try (RandomAccessFile file = new RandomAccessFile(fs.toFile(), "rw")) {
                file.setLength(FS_SIZE);
            }
            HostTool.checkOutput(List.of("mkfs.ext4", "-q", "-F", "-d", tree.toString(), fs.toString()), TOOL_TIMEOUT);
            try (FileChannel in = FileChannel.open(fs); FileChannel out = FileChannel.open(image, StandardOpenOption.WRITE)) {
                assertThat(in.transferTo(0, FS_SIZE, out.position(offset))).isEqualTo(FS_SIZE);
            }
        }
        return image;
    }

    /** Opens a file for writing and keeps it open (the file system is busy until the test closes it). */
    private FileChannel hold(Path path, String text) throws IOException {
        FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        held.add(file);
        file.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        file.force(true);
        return file;
    }

    private static String digest(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** The lines of /proc/mounts whose mount point is under {@code root}. */
    private static List<String> mountsUnder(Path root) throws IOException {
        String prefix = root.toRealPath() + "/";
        return Files.readAllLines(Path.of("/proc/mounts")).stream().filter(line -> line.split(" ")[1].startsWith(prefix)).toList();
    }

    /** The loop devices whose backing file is under {@code root}. */
    private static List<String> loopDevicesOver(Path root) throws IOException {
        String prefix = root.toRealPath() + "/";
        return HostTool.checkOutput(List.of("losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE"), TOOL_TIMEOUT)
                .lines().filter(line -> line.contains(prefix)).map(line -> line.strip().split("\\s+")[0]).toList();
    }
}
