package org.clonefarm.platform.cp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.stream.Stream;
import java.util.Random;
import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.HostTool;
import org.clonefarm.platform.io.LoopMount;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulated FLASHCOPY: an instant extent share where the volume images' file system can share
 * extents (a real XFS with reflink on a loop device; root and xfsprogs needed, as in CI), and
 * FLASHCOPY_UNAVAILABLE where it cannot (ext4), so a worker falls back to copying bytes.
 */
@Timeout(120)
class SimulatedFlashcopyTest {

    static final Userid WORKER = Userid.of("WORKER1");
    static final Vaddr SOURCE = Vaddr.of("1200");
    static final Vaddr TARGET = Vaddr.of("1201");
    static final long CYLINDER = 737_280;

    @TempDir
    Path dir;

    /** A data directory with a 3390 volume and an FB-512 volume; the master's disks are filled with random bytes. */
    private static SimulationDataDirectory dataDirectory(Path root) throws IOException {
        SimulationDataDirectory data = SimulationDataDirectory.at(root);
        data.createVolume(Volser.of("LX0001"), DeviceType.DASD_3390, 200, null);
        data.createVolume(Volser.of("FB0001"), DeviceType.FB_512, 40_000, null);
        data.writeDirectory(UserDirectory.parse("""
                USER LNXMSTR NOLOG 1G 2G G
                 MDISK 0200 3390 1 50 LX0001 MR
                 MDISK 0300 FB-512 33 8192 FB0001 MR
                 MDISK 0301 3390 170 10 LX0001 MR
                USER LINUX001 PW 1G 2G G
                 MDISK 0200 3390 100 60 LX0001 MR
                 MDISK 0300 FB-512 20001 8192 FB0001 MR
                 MDISK 0301 FB-512 30001 8192 FB0001 MR
                """, "USER.DIRECT"));
        Random random = new Random(15);
        for (String vaddr : new String[] {"0200", "0300"}) {
            FileRegion region = data.resolve(Userid.of("LNXMSTR"), Vaddr.of(vaddr));
            try (FileChannel image = FileChannel.open(region.path(), StandardOpenOption.WRITE)) {
                byte[] chunk = new byte[1 << 20];
                for (long done = 0; done < region.length(); done += chunk.length) {
                    random.nextBytes(chunk);
                    image.write(ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, region.length() - done)), region.offset() + done);
                }
                image.force(true);
            }
        }
        return data;
    }

    /** A file system made by {@code mkfs} on a sparse image of {@code megabytes} in the temp dir, loop-mounted at {@code mnt}. */
    private LoopMount freshFileSystem(long megabytes, String... mkfs) throws IOException {
        Path image = dir.resolve("fs.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(megabytes << 20);
        }
        HostTool.checkOutput(Stream.concat(Stream.of(mkfs), Stream.of(image.toString())).toList(), Duration.ofSeconds(60));
        return LoopMount.mount(FileRegion.whole(image), dir.resolve("mnt"), LoopMount.Options.READ_WRITE);
    }

    /** Bytes in use on a mounted file system (statvfs: total minus free). */
    private static long usedBytes(LoopMount mount) throws IOException {
        FileStore store = Files.getFileStore(mount.mountPoint());
        return store.getTotalSpace() - store.getUnallocatedSpace();
    }

    private static String digest(FileRegion region, long length) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (FileChannel image = FileChannel.open(region.path(), StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            for (long done = 0; done < length; ) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), length - done));
                int read = image.read(buffer, region.offset() + done);
                sha.update(buffer.array(), 0, read);
                done += read;
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** On XFS with reflink, FLASHCOPY makes the target read as the source at once, without writing the data again. */
    @Test
    void flashcopyOnReflinkXfsSharesTheExtent() throws Exception {
        try (LoopMount xfs = freshFileSystem(512, "mkfs.xfs", "-q", "-m", "reflink=1");
                SimulatedCp system = SimulatedCp.withoutGuests(dataDirectory(xfs.mountPoint().resolve("data")), "ZVMSIM")) {
            SimulatedCp.Session worker = system.session(WORKER);
            worker.link(Userid.of("LNXMSTR"), Vaddr.of("200"), SOURCE, LinkMode.RR);
            worker.link(Userid.of("LINUX001"), Vaddr.of("200"), TARGET, LinkMode.MR);
            FileRegion source = system.linked(WORKER, SOURCE).orElseThrow().region();
            FileRegion target = system.linked(WORKER, TARGET).orElseThrow().region();
            long usedBefore = usedBytes(xfs);

            CpReply reply = worker.flashcopy(SOURCE, TARGET);

            assertThat(reply.lines()).containsExactly("Command complete");
            assertThat(digest(target, source.length())).isEqualTo(digest(source, source.length()));
            assertThat(usedBytes(xfs) - usedBefore).as("bytes the copy took on the file system (the source has %d)", source.length())
                    .isLessThan(2L << 20);
            // copy on write: writing the clone leaves the master as it was
            String master = digest(source, source.length());
            try (FileChannel image = FileChannel.open(target.path(), StandardOpenOption.WRITE)) {
                image.write(ByteBuffer.wrap(new byte[4096]), target.offset());
            }
            assertThat(digest(source, source.length())).isEqualTo(master);
        }
    }

    /** An FB-512 extent that does not start on a file system block cannot be shared: FLASHCOPY_UNAVAILABLE with EINVAL. */
    @Test
    void flashcopyOfUnalignedFbaExtentIsUnavailable() throws Exception {
        try (LoopMount xfs = freshFileSystem(512, "mkfs.xfs", "-q", "-m", "reflink=1");
                SimulatedCp system = SimulatedCp.withoutGuests(dataDirectory(xfs.mountPoint().resolve("data")), "ZVMSIM")) {
            SimulatedCp.Session worker = system.session(WORKER);
            worker.link(Userid.of("LNXMSTR"), Vaddr.of("300"), SOURCE, LinkMode.RR);
            worker.link(Userid.of("LINUX001"), Vaddr.of("300"), TARGET, LinkMode.MR);

            assertThatThrownBy(() -> worker.flashcopy(SOURCE, TARGET)).isInstanceOfSatisfying(CpException.class, e -> {
                assertThat(e.kind()).isEqualTo(CpException.Kind.FLASHCOPY_UNAVAILABLE);
                assertThat(e.messageId()).contains("HCPFLC999E");
                assertThat(e.getMessage()).contains("EINVAL");
            });
        }
    }

    /** On ext4, which cannot share extents, FLASHCOPY answers FLASHCOPY_UNAVAILABLE with the errno and leaves the target alone. */
    @Test
    void flashcopyOnExt4IsUnavailable() throws Exception {
        try (LoopMount ext4 = freshFileSystem(256, "mkfs.ext4", "-q", "-F");
                SimulatedCp system = SimulatedCp.withoutGuests(dataDirectory(ext4.mountPoint().resolve("data")), "ZVMSIM")) {
            SimulatedCp.Session worker = system.session(WORKER);
            worker.link(Userid.of("LNXMSTR"), Vaddr.of("200"), SOURCE, LinkMode.RR);
            worker.link(Userid.of("LINUX001"), Vaddr.of("200"), TARGET, LinkMode.MR);
            FileRegion target = system.linked(WORKER, TARGET).orElseThrow().region();
            String before = digest(target, target.length());

            assertThatThrownBy(() -> worker.flashcopy(SOURCE, TARGET)).isInstanceOfSatisfying(CpException.class, e -> {
                assertThat(e.kind()).isEqualTo(CpException.Kind.FLASHCOPY_UNAVAILABLE);
                assertThat(e.messageId()).contains("HCPFLC999E");
                assertThat(e.getMessage()).contains("EOPNOTSUPP").contains("FLASHCOPY 1200 TO 1201");
            });
            assertThat(digest(target, target.length())).isEqualTo(before);
        }
    }

    /** FLASHCOPY checks the command first: both linked, the target R/W, one device type, the target large enough. */
    @Test
    void flashcopyRefusesWhatCpWouldRefuse() throws Exception {
        try (SimulatedCp system = SimulatedCp.withoutGuests(dataDirectory(dir.resolve("data")), "ZVMSIM")) {
            SimulatedCp.Session worker = system.session(WORKER);
            worker.link(Userid.of("LNXMSTR"), Vaddr.of("200"), SOURCE, LinkMode.RR);
            worker.link(Userid.of("LNXMSTR"), Vaddr.of("300"), Vaddr.of("1300"), LinkMode.RR);
            worker.link(Userid.of("LINUX001"), Vaddr.of("300"), TARGET, LinkMode.MR);
            worker.link(Userid.of("LNXMSTR"), Vaddr.of("301"), Vaddr.of("1202"), LinkMode.MR);

            assertThatThrownBy(() -> worker.flashcopy(SOURCE, Vaddr.of("1299"))).isInstanceOfSatisfying(CpException.class,
                    e -> assertThat(e.kind()).isEqualTo(CpException.Kind.NO_SUCH_DEVICE));
            assertThatThrownBy(() -> worker.flashcopy(TARGET, Vaddr.of("1300"))).isInstanceOfSatisfying(CpException.class,
                    e -> assertThat(e.getMessage()).contains("linked R/O"));
            assertThatThrownBy(() -> worker.flashcopy(SOURCE, TARGET)).isInstanceOfSatisfying(CpException.class,
                    e -> assertThat(e.getMessage()).contains("one type"));
            assertThatThrownBy(() -> worker.flashcopy(SOURCE, Vaddr.of("1202"))).isInstanceOfSatisfying(CpException.class,
                    e -> assertThat(e.getMessage()).contains("smaller than source"));
        }
    }
}
