package org.clonefarm.platform.cp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.clonefarm.platform.allocation.ExtentAllocator;
import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.directory.NewUser;
import org.clonefarm.platform.directory.Prototype;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.RegionChannel;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The simulated CP over real sparse volume images. */
@Timeout(60)
class SimulatedCpTest {

    static final Userid WORKER = Userid.of("WORKER1");
    static final Userid WORKER2 = Userid.of("WORKER2");
    static final Userid MASTER = Userid.of("LNXMSTR");
    static final Userid CLONE = Userid.of("LINUX001");
    static final Vaddr ROOT = Vaddr.of("200");

    @TempDir
    Path dir;
    SimulationDataDirectory data;
    RecordingRuntime runtime;
    SimulatedCp system;

    /** Records what CP asked of it; boots by writing a marker through the guest's own root disk. */
    static final class RecordingRuntime implements GuestRuntime {
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile boolean failBoot;

        @Override
        public void boot(Userid userid, SimulatedCp system) throws Exception {
            calls.add("boot " + userid);
            if (failBoot) {
                throw new IOException("kernel panic");
            }
            try (RegionChannel root = RegionChannel.open(system.linked(userid, ROOT).orElseThrow().region(), true)) {
                root.write(ByteBuffer.wrap("BOOTED".getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 0);
            }
        }

        @Override
        public void halt(Userid userid) {
            calls.add("halt " + userid);
        }
    }

    @BeforeEach
    void createSystem() throws IOException {
        data = SimulationDataDirectory.at(dir);
        data.createVolume(Volser.of("LX0000"), DeviceType.DASD_3390, 200, null);
        data.createVolume(Volser.of("LX0001"), DeviceType.DASD_3390, 3339, "LINUX");
        UserDirectory directory = UserDirectory.parse("""
                USER LNXMSTR NOLOG 1G 2G G
                 MDISK 0191 3390 1 10 LX0000 MR
                 MDISK 0200 3390 11 100 LX0000 MR
                 MDISK 0201 FB-512 V-DISK 1000 MR
                """, "USER.DIRECT");
        Prototype prototype = Prototype.of(UserDirectory.parse("""
                USER PROTO NOLOG 1G 2G G
                 LINK LNXMSTR 0191 0191 RR
                 MDISK 0200 3390 AUTOG 100 LINUX MR
                """, "PROTO").entries().get(0));
        new ExtentAllocator(data.readExtentControl(), directory).addLike(prototype,
                List.of(new NewUser(CLONE, "PW"), new NewUser(Userid.of("LINUX002"), "PW")));
        data.writeDirectory(directory);
        runtime = new RecordingRuntime();
        system = new SimulatedCp(data, runtime, "ZVMSIM");
    }

    final List<RegionChannel> channels = new java.util.ArrayList<>();

    @AfterEach
    void closeSystem() throws IOException {
        for (RegionChannel channel : channels) {
            channel.close();
        }
        system.close();
    }

    /** LINK, then a channel on the linked minidisk's bytes as CP granted them (read-only unless R/W). */
    private RegionChannel linkChannel(Userid user, Userid owner, Vaddr vaddr, Vaddr myVaddr, LinkMode mode) throws Exception {
        system.session(user).link(owner, vaddr, myVaddr, mode);
        LinkedMinidisk linked = system.linked(user, myVaddr).orElseThrow();
        RegionChannel channel = RegionChannel.open(linked.region(), linked.write());
        channels.add(channel);
        return channel;
    }

    private byte[] imageBytes(Volser volser, long offset, int length) throws IOException {
        try (FileChannel image = FileChannel.open(data.volumeImage(volser), StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(length);
            image.read(buffer, offset);
            return buffer.array();
        }
    }

    /** LINK RR gives a read-only channel on exactly the minidisk's bytes of the volume image. */
    @Test
    void linkRrGivesAReadOnlyChannelOnTheExtent() throws Exception {
        long offset = 11 * 737_280L;
        try (FileChannel image = FileChannel.open(data.volumeImage(Volser.of("LX0000")), StandardOpenOption.WRITE)) {
            image.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), offset);
        }

        RegionChannel channel = linkChannel(WORKER, MASTER, ROOT, Vaddr.of("1200"), LinkMode.RR);

        ByteBuffer buffer = ByteBuffer.allocate(4);
        channel.read(buffer, 0);
        assertThat(buffer.array()).containsExactly(1, 2, 3, 4);
        assertThat(channel.size()).isEqualTo(100 * 737_280L);
        assertThat(channel.isWritable()).isFalse();
        assertThatThrownBy(() -> channel.write(ByteBuffer.allocate(1), 0)).isInstanceOf(NonWritableChannelException.class);
        assertThat(system.session(WORKER).queryVirtualDasd(Vaddr.of("1200")))
                .isEqualTo(new VirtualDasd(Vaddr.of("1200"), "3390", "LX0000", false, 100, true, "LOCAL"));
    }

    /** A write link writes inside the extent only: the bytes around it stay zero. */
    @Test
    void writesThroughALinkStayInsideTheExtent() throws Exception {
        FileRegion region = data.resolve(CLONE, ROOT);
        RegionChannel channel = linkChannel(WORKER, CLONE, ROOT, Vaddr.of("1200"), LinkMode.MR);
        byte[] ones = new byte[737_280];
        Arrays.fill(ones, (byte) 1);
        for (long pos = 0; pos < channel.size(); pos += ones.length) {
            channel.write(ByteBuffer.wrap(ones), pos);
        }
        assertThatThrownBy(() -> channel.write(ByteBuffer.wrap(ones), channel.size() - 10)).isInstanceOf(IOException.class)
                .hasMessageContaining("nothing was written");
        channel.force(true);

        assertThat(imageBytes(Volser.of("LX0001"), region.offset() - 4, 8)).containsExactly(0, 0, 0, 0, 1, 1, 1, 1);
        assertThat(imageBytes(Volser.of("LX0001"), region.offset() + region.length() - 4, 8)).containsExactly(1, 1, 1, 1, 0, 0, 0, 0);
    }

    /** A second writer is refused with HCPLNM104E; MR falls back to read-only, RR always works; after DETACH M works again. */
    @Test
    void secondWriterIsRefused() throws Exception {
        LinkResult first = system.session(WORKER).link(CLONE, ROOT, Vaddr.of("1200"), LinkMode.M);

        assertThat(first.readWrite()).isTrue();
        assertThatThrownBy(() -> system.session(WORKER2).link(CLONE, ROOT, Vaddr.of("1200"), LinkMode.M))
                .isInstanceOfSatisfying(CpException.class, e -> {
                    assertThat(e.kind()).isEqualTo(CpException.Kind.LINK_CONFLICT);
                    assertThat(e.messageId()).contains("HCPLNM104E");
                    assertThat(e.getMessage()).contains("R/W by WORKER1");
                });
        assertThat(system.session(WORKER2).link(CLONE, ROOT, Vaddr.of("1201"), LinkMode.MR).readWrite()).isFalse();
        assertThat(system.session(WORKER2).link(CLONE, ROOT, Vaddr.of("1202"), LinkMode.RR).readWrite()).isFalse();
        assertThatThrownBy(() -> system.session(WORKER2).link(CLONE, ROOT, Vaddr.of("1203"), LinkMode.W))
                .isInstanceOfSatisfying(CpException.class, e -> assertThat(e.kind()).isEqualTo(CpException.Kind.LINK_CONFLICT));

        assertThat(system.session(WORKER).detach(Vaddr.of("1200")).text()).isEqualTo("DASD 1200 DETACHED");
        assertThat(system.session(WORKER2).link(CLONE, ROOT, Vaddr.of("1204"), LinkMode.M).readWrite()).isTrue();
    }

    /** LINK and DETACH errors carry the documented message ids. */
    @Test
    void linkAndDetachErrorsCarryMessageIds() {
        SimulatedCp.Session worker = system.session(WORKER);

        assertThatThrownBy(() -> worker.link(Userid.of("NOSUCH"), ROOT, Vaddr.of("1200"), LinkMode.RR))
                .isInstanceOfSatisfying(CpException.class, e -> {
                    assertThat(e.messageId()).contains("HCPLNM053E");
                    assertThat(e.getMessage()).contains("NOSUCH not in CP directory");
                });
        assertThatThrownBy(() -> worker.link(MASTER, Vaddr.of("999"), Vaddr.of("1200"), LinkMode.RR))
                .isInstanceOfSatisfying(CpException.class, e -> assertThat(e.kind()).isEqualTo(CpException.Kind.NO_SUCH_DEVICE));
        assertThatThrownBy(() -> worker.detach(Vaddr.of("1299")))
                .isInstanceOfSatisfying(CpException.class, e -> assertThat(e.messageId()).contains("HCPDTV040E"));
        assertThatThrownBy(() -> worker.queryVirtualDasd(Vaddr.of("1299")))
                .isInstanceOfSatisfying(CpException.class, e -> assertThat(e.messageId()).contains("HCPQVD040E"));
    }

    /** XAUTOLOG hands the userid to the guest runtime, keeps the user logged on with its own disks; FORCE logs it off. */
    @Test
    void xautologBootsThroughTheRuntimeAndForceLogsOff() throws Exception {
        SimulatedCp.Session operator = system.session(WORKER);

        CpReply reply = operator.xautolog(CLONE);

        assertThat(reply.lines()).containsExactly("Command accepted", "AUTO LOGON  ***  LINUX001 USERS = 1");
        assertThat(runtime.calls).containsExactly("boot LINUX001");
        assertThat(system.isLoggedOn(CLONE)).isTrue();
        assertThat(system.session(CLONE).queryUserid()).isEqualTo(new UseridReply(CLONE, "ZVMSIM"));
        FileRegion root = data.resolve(CLONE, ROOT);
        assertThat(new String(imageBytes(Volser.of("LX0001"), root.offset(), 6), java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("BOOTED");
        // the running guest holds its root disk R/W: a worker cannot write it now
        assertThatThrownBy(() -> operator.link(CLONE, ROOT, Vaddr.of("1200"), LinkMode.M))
                .isInstanceOfSatisfying(CpException.class, e -> assertThat(e.kind()).isEqualTo(CpException.Kind.LINK_CONFLICT));
        assertThatThrownBy(() -> operator.xautolog(CLONE))
                .isInstanceOfSatisfying(CpException.class, e -> assertThat(e.kind()).isEqualTo(CpException.Kind.ALREADY_LOGGED_ON));

        operator.force(CLONE);

        assertThat(runtime.calls).containsExactly("boot LINUX001", "halt LINUX001");
        assertThat(system.loggedOn()).isEmpty();
        assertThat(operator.link(CLONE, ROOT, Vaddr.of("1200"), LinkMode.M).readWrite()).isTrue();
        assertThatThrownBy(() -> operator.force(CLONE)).isInstanceOfSatisfying(CpException.class, e -> {
            assertThat(e.messageId()).contains("HCPCQU045E");
            assertThat(e.kind()).isEqualTo(CpException.Kind.NOT_LOGGED_ON);
        });
    }

    /** A guest that fails to boot leaves its user logged off, and XAUTOLOG says why. */
    @Test
    void failedBootLeavesTheUserLoggedOff() {
        runtime.failBoot = true;

        assertThatThrownBy(() -> system.session(WORKER).xautolog(CLONE)).isInstanceOfSatisfying(CpException.class,
                e -> assertThat(e.getMessage()).contains("kernel panic"));
        assertThat(system.isLoggedOn(CLONE)).isFalse();
        assertThatThrownBy(() -> system.session(WORKER).xautolog(Userid.of("NOSUCH")))
                .isInstanceOfSatisfying(CpException.class, e -> assertThat(e.kind()).isEqualTo(CpException.Kind.NOT_IN_DIRECTORY));
    }

    /** An entry written to USER.DIRECT after the system started is seen by the next LINK. */
    @Test
    void directoryChangesOnDiskAreSeen() throws Exception {
        assertThatThrownBy(() -> system.session(WORKER).link(Userid.of("LATE"), ROOT, Vaddr.of("1200"), LinkMode.RR))
                .isInstanceOf(CpException.class);
        UserDirectory directory = data.readDirectory();
        directory.add(UserDirectory.parse("USER LATE PW\n MDISK 0200 3390 150 10 LX0000 MR\n", "x").entries().get(0));
        data.writeDirectory(directory);

        assertThat(system.session(WORKER).link(Userid.of("LATE"), ROOT, Vaddr.of("1200"), LinkMode.RR).readWrite()).isFalse();
    }

    /** A V-DISK exists from its first link to its last detach: an empty sparse file of its size, then gone. */
    @Test
    void vdiskLivesWhileLinked() throws Exception {
        Path image = data.vdiskImage(MASTER, Vaddr.of("201"));
        RegionChannel swap = linkChannel(WORKER, MASTER, Vaddr.of("201"), Vaddr.of("1201"), LinkMode.MR);

        assertThat(swap.size()).isEqualTo(1000L * 512);
        assertThat(java.nio.file.Files.size(image)).isEqualTo(1000L * 512);
        swap.write(ByteBuffer.wrap(new byte[] {7}), 0);
        assertThat(system.session(WORKER2).link(MASTER, Vaddr.of("201"), Vaddr.of("1201"), LinkMode.MR).readWrite()).isFalse();

        system.session(WORKER).detach(Vaddr.of("1201"));
        assertThat(image).exists();
        system.session(WORKER2).detach(Vaddr.of("1201"));
        assertThat(image).doesNotExist();
        ByteBuffer first = ByteBuffer.allocate(1);
        linkChannel(WORKER, MASTER, Vaddr.of("201"), Vaddr.of("1201"), LinkMode.RR).read(first, 0);
        assertThat(first.get(0)).isZero();
    }
}
