package org.clonefarm.platform.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.clonefarm.platform.cp.CcwBus.CcwException;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.HostTool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulated channel subsystem: a linked minidisk set online is a real loop device over its bytes,
 * linked under the guest's by-path directory; offline releases both. Root needed (loop devices), as in CI.
 */
@Timeout(120)
class SimulatedCcwBusTest {

    static final Userid WORKER = Userid.of("WORKER1");
    static final Userid WORKER2 = Userid.of("WORKER2");
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    SimulationDataDirectory data;
    SimulatedCp system;
    SimulatedCcwBus bus;

    @BeforeEach
    void createDataDirectoryAndLinks() throws Exception {
        data = SimulationDataDirectory.at(dir.resolve("data"));
        data.createVolume(Volser.of("LX0001"), DeviceType.DASD_3390, 100, null);
        data.writeDirectory(UserDirectory.parse("""
                USER LNXMSTR NOLOG 1G 2G G
                 MDISK 0200 3390 1 10 LX0001 MR
                USER LINUX001 PW 1G 2G G
                 MDISK 0200 3390 20 10 LX0001 MR
                USER LINUX002 PW 1G 2G G
                 MDISK 0200 3390 40 10 LX0001 MR
                """, "USER.DIRECT"));
        for (String owner : List.of("LNXMSTR", "LINUX001", "LINUX002")) {
            write(data.resolve(Userid.of(owner), Vaddr.of("200")), 0, owner);
        }
        system = SimulatedCp.withoutGuests(data, "ZVMSIM");
        system.session(WORKER).link(Userid.of("LNXMSTR"), Vaddr.of("200"), Vaddr.of("1200"), LinkMode.RR);
        system.session(WORKER).link(Userid.of("LINUX001"), Vaddr.of("200"), Vaddr.of("1201"), LinkMode.MR);
        system.session(WORKER2).link(Userid.of("LINUX002"), Vaddr.of("200"), Vaddr.of("1200"), LinkMode.MR);
        bus = new SimulatedCcwBus(system, WORKER);
    }

    /** Whatever a test left: every loop device over the temp dir is detached. */
    @AfterEach
    void detachLoopDevices() throws IOException {
        IOException failure = null;
        for (String device : loopDevicesUnderTempDir()) {
            try {
                HostTool.checkOutput(List.of("losetup", "--detach", device), TIMEOUT);
            } catch (IOException e) {
                failure = e;
            }
        }
        system.close();
        if (failure != null) {
            throw failure;
        }
    }

    private List<String> loopDevicesUnderTempDir() throws IOException {
        String root = dir.toRealPath().toString();
        return HostTool.checkOutput(List.of("losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE"), TIMEOUT).lines()
                .filter(line -> line.contains(root)).map(line -> line.split("\\s+")[0]).toList();
    }

    private static void write(FileRegion region, long at, String text) throws IOException {
        try (FileChannel file = FileChannel.open(region.path(), StandardOpenOption.WRITE)) {
            file.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)), region.offset() + at);
            file.force(true);
        }
    }

    private static String read(Path path, long at, int length) throws IOException {
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(length);
            file.read(buffer, at);
            return new String(buffer.array(), StandardCharsets.US_ASCII);
        }
    }

    /** Online links ccw-0.0.vdev to a loop device whose bytes are the minidisk's: written through it, read in the volume image. */
    @Test
    void onlineGivesAByPathLinkToALoopDeviceOverTheMinidisk() throws Exception {
        Path link = bus.online(Vaddr.of("1201"), TIMEOUT);

        assertThat(link).isEqualTo(data.root().resolve("run/by-path/WORKER1/ccw-0.0.1201"));
        assertThat(Files.readSymbolicLink(link).toString()).startsWith("/dev/loop");
        assertThat(bus.isOnline(Vaddr.of("1201"))).isTrue();
        assertThat(read(link, 0, 8)).isEqualTo("LINUX001");
        assertThat(Files.size(link)).isZero(); // a block device: its size is not a file size
        assertThat(Files.readString(Path.of("/sys/block", Files.readSymbolicLink(link).getFileName().toString(), "loop/dio"))
                .strip()).as("writes go straight to the image").isEqualTo("1");
        try (FileChannel device = FileChannel.open(link, StandardOpenOption.WRITE)) {
            device.write(ByteBuffer.wrap("CLONED!!".getBytes(StandardCharsets.US_ASCII)), 4096);
            device.force(true);
        }
        FileRegion region = data.resolve(Userid.of("LINUX001"), Vaddr.of("200"));
        assertThat(read(region.path(), region.offset() + 4096, 8)).isEqualTo("CLONED!!");
    }

    /** A minidisk linked read-only is a read-only loop device. */
    @Test
    void readOnlyLinkIsAReadOnlyDevice() throws Exception {
        Path link = bus.online(Vaddr.of("1200"), TIMEOUT);

        assertThat(read(link, 0, 7)).isEqualTo("LNXMSTR");
        String loop = Files.readSymbolicLink(link).getFileName().toString();
        assertThat(Files.readString(Path.of("/sys/block", loop, "ro")).strip()).isEqualTo("1");
        assertThat(Files.readString(Path.of("/sys/block", loop, "loop/dio")).strip()).as("read through the page cache")
                .isEqualTo("0");
        assertThatThrownBy(() -> {
            try (FileChannel device = FileChannel.open(link, StandardOpenOption.WRITE)) {
                device.write(ByteBuffer.wrap(new byte[512]), 0);
                device.force(true);
            }
        }).isInstanceOf(IOException.class);
    }

    /** Offline removes the link and detaches the loop device: nothing over the data directory is left. */
    @Test
    void offlineRemovesTheLinkAndTheLoopDevice() throws Exception {
        Path link = bus.online(Vaddr.of("1201"), TIMEOUT);
        assertThat(loopDevicesUnderTempDir()).hasSize(1);

        bus.offline(Vaddr.of("1201"));

        assertThat(link).doesNotExist();
        assertThat(Files.isSymbolicLink(link)).isFalse();
        assertThat(bus.isOnline(Vaddr.of("1201"))).isFalse();
        assertThat(loopDevicesUnderTempDir()).isEmpty();
        bus.offline(Vaddr.of("1201")); // already offline is fine
    }

    /** Two users with the same vdev and one user with two vdevs are online at once, each on its own bytes. */
    @Test
    void twoUsersAndTwoVdevsAreOnlineAtOnce() throws Exception {
        SimulatedCcwBus other = new SimulatedCcwBus(system, WORKER2);

        Path master = bus.online(Vaddr.of("1200"), TIMEOUT);
        Path clone = bus.online(Vaddr.of("1201"), TIMEOUT);
        Path theirs = other.online(Vaddr.of("1200"), TIMEOUT);

        assertThat(read(master, 0, 7)).isEqualTo("LNXMSTR");
        assertThat(read(clone, 0, 8)).isEqualTo("LINUX001");
        assertThat(read(theirs, 0, 8)).isEqualTo("LINUX002");
        assertThat(List.of(Files.readSymbolicLink(master), Files.readSymbolicLink(clone), Files.readSymbolicLink(theirs)))
                .doesNotHaveDuplicates();
        assertThat(loopDevicesUnderTempDir()).hasSize(3);

        assertThat(bus.offlineAll()).containsExactly(Vaddr.of("1200"), Vaddr.of("1201"));
        assertThat(other.isOnline(Vaddr.of("1200"))).isTrue();
        other.offline(Vaddr.of("1200"));
        assertThat(loopDevicesUnderTempDir()).isEmpty();
    }

    /** Online of a vdev the user has not linked fails as chccwdev does for a missing device, and attaches nothing. */
    @Test
    void onlineOfAnUnlinkedVdevFailsClearly() throws Exception {
        assertThatThrownBy(() -> bus.online(Vaddr.of("1300"), TIMEOUT)).isInstanceOfSatisfying(CcwException.class, e -> {
            assertThat(e.retryable()).isFalse();
            assertThat(e.getMessage()).startsWith("Device 0.0.1300 not found").contains("WORKER1 has no minidisk linked at 1300");
        });
        assertThatThrownBy(() -> bus.unignore(Vaddr.of("1300"))).isInstanceOf(CcwException.class);
        assertThat(bus.byPath(Vaddr.of("1300"))).doesNotExist();
        assertThat(loopDevicesUnderTempDir()).isEmpty();
    }

    /** What is online survives the process's bus: a new bus sees it, and online again gives the same device. */
    @Test
    void onlineStateLivesInTheByPathLinks() throws Exception {
        Path link = bus.online(Vaddr.of("1201"), TIMEOUT);
        Path device = Files.readSymbolicLink(link);

        try (SimulatedCp restarted = SimulatedCp.withoutGuests(data, "ZVMSIM")) {
            SimulatedCcwBus again = new SimulatedCcwBus(restarted, WORKER);
            assertThat(again.isOnline(Vaddr.of("1201"))).isTrue();
            assertThat(Files.readSymbolicLink(again.online(Vaddr.of("1201"), TIMEOUT))).isEqualTo(device);
        }
        assertThat(loopDevicesUnderTempDir()).hasSize(1);
    }

    /** A device whose minidisk was DETACHed without offline loses its loop device and link at reconcile. */
    @Test
    void reconcileReleasesDevicesWhoseLinkIsGone() throws Exception {
        bus.online(Vaddr.of("1200"), TIMEOUT);
        Path detached = bus.online(Vaddr.of("1201"), TIMEOUT);
        system.session(WORKER).detach(Vaddr.of("1201"));

        List<String> released = bus.reconcile();

        assertThat(released).singleElement().asString().contains("ccw-0.0.1201").contains("WORKER1 has nothing linked at 1201");
        assertThat(Files.isSymbolicLink(detached)).isFalse();
        assertThat(bus.isOnline(Vaddr.of("1200"))).isTrue();
        assertThat(loopDevicesUnderTempDir()).hasSize(1);
    }
}
