package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clonefarm.platform.cp.CpException;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.cp.VirtualDasd;
import org.clonefarm.platform.cp.VmcpCp;
import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clonefarm zvm vmcp | chccwdev | cio_ignore}: the z/VM tools over a local simulation, answering
 * as the real tools do, so that {@link VmcpCp} reads the simulated CP's replies as it reads CP's.
 */
@Timeout(180)
class ZvmSimulatedToolsTest {

    static final Userid WORKER = Userid.of("WORKER1");
    static final Userid CLONE = Userid.of("LINUX001");

    @TempDir
    Path dir;
    SimulationDataDirectory data;

    record Run(int code, String out, String err) {
    }

    @BeforeEach
    void createData() throws IOException {
        data = SimulationDataDirectory.at(dir.resolve("data"));
        data.createVolume(Volser.of("LX0000"), DeviceType.DASD_3390, 200, null);
        data.writeDirectory(UserDirectory.parse("""
                USER LNXMSTR NOLOG 1G 2G G
                 MDISK 0200 3390 1 50 LX0000 MR
                 MDISK 0201 FB-512 V-DISK 1000 MR
                USER LINUX001 PW 1G 2G G
                 MDISK 0200 3390 60 50 LX0000 MR
                """, "USER.DIRECT"));
    }

    /** Whatever a test left: every loop device over the temp dir is detached. */
    @AfterEach
    void detachLoopDevices() throws Exception {
        String root = dir.toRealPath().toString();
        Process list = new ProcessBuilder("losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE").start();
        String lines = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        list.waitFor(30, TimeUnit.SECONDS);
        for (String line : lines.lines().filter(l -> l.contains(root)).toList()) {
            new ProcessBuilder("losetup", "--detach", line.split("\\s+")[0]).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    private Run vmcp(String... words) {
        List<String> args = new java.util.ArrayList<>(List.of("zvm", "vmcp", "--data", data.root().toString(), "--as", "worker1"));
        args.addAll(List.of(words));
        return run(args.toArray(String[]::new));
    }

    /** A CP error: exit 1, the HCP message on stdout, vmcp's error line with CP's return code on stderr. */
    @Test
    void vmcpAnswersCpErrorsAsVmcpDoes() {
        Run run = vmcp("link", "nosuch", "200", "1200", "rr");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.out()).isEqualTo("HCPLNM053E NOSUCH not in CP directory" + System.lineSeparator());
        assertThat(run.err()).isEqualTo("Error: non-zero CP response for command 'LINK NOSUCH 200 1200 RR': #53" + System.lineSeparator());
        assertThat(vmcp("q", "v", "1200").out()).startsWith("HCPQVD040E Device 1200 does not exist");
        assertThat(vmcp("frobnicate").out()).startsWith("HCPCMD001E Unknown CP command: FROBNICATE");
    }

    /** LINK takes the vdev with or without AS; Q V and Q V DASD show the links in CP's format; DETACH removes one. */
    @Test
    void vmcpLinksQueriesAndDetaches() {
        assertThat(vmcp("link", "lnxmstr", "0200", "as", "1200", "rr")).isEqualTo(new Run(0, "", ""));
        assertThat(vmcp("LINK", "LINUX001", "0200", "1201", "MR").code()).isZero();
        assertThat(vmcp("link", "lnxmstr", "0201", "1202", "mr").code()).isZero();

        assertThat(vmcp("q", "v", "dasd").out().lines().toList()).containsExactly(
                "DASD 1200 3390 LX0000 R/O         50 CYL ON DASD  LOCAL SUBCHANNEL = 1200",
                "DASD 1201 3390 LX0000 R/W         50 CYL ON DASD  LOCAL SUBCHANNEL = 1201",
                "DASD 1202 9336 (VDSK) R/W       1000 BLK ON DASD  VDSK SUBCHANNEL = 1202");
        assertThat(vmcp("q", "userid").out()).isEqualTo("WORKER1 AT ZVMSIM" + System.lineSeparator());
        assertThat(vmcp("det", "1201").out()).isEqualTo("DASD 1201 DETACHED" + System.lineSeparator());
        assertThat(vmcp("q", "v", "dasd").out().lines()).hasSize(2);
    }

    /** The vmcp command runs no guests: XAUTOLOG fails and says where to start guests. */
    @Test
    void vmcpXautologSaysThisProcessRunsNoGuests() {
        Run run = vmcp("xautolog", "linux001");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.out()).contains("runs no guests");
        assertThat(run.err()).startsWith("Error: non-zero CP response for command 'XAUTOLOG LINUX001': #1");
    }

    /** VmcpCp with the command as its vmcp reads the simulation's replies and errors as the simulation's own sessions give them. */
    @Test
    void vmcpCpReadsTheCommandsRepliesBack() throws Exception {
        Path script = dir.resolve("vmcp");
        Files.writeString(script, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -Xshare:auto -cp '"
                + System.getProperty("java.class.path") + "' " + Main.class.getName() + " zvm vmcp --data '" + data.root()
                + "' --as WORKER1 \"$@\"\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        VmcpCp cp = new VmcpCp(script.toString(), System.getenv(), Duration.ofSeconds(60));

        assertThat(cp.link(Userid.of("LNXMSTR"), Vaddr.of("200"), Vaddr.of("1200"), LinkMode.RR).readWrite()).isFalse();
        assertThat(cp.link(CLONE, Vaddr.of("200"), Vaddr.of("1201"), LinkMode.MR).readWrite()).isTrue();

        try (SimulatedCp system = SimulatedCp.withoutGuests(data, SimulatedCp.DEFAULT_SYSTEM_NAME)) {
            SimulatedCp.Session direct = system.session(WORKER);
            VirtualDasd clone = direct.queryVirtualDasd(Vaddr.of("1201"));
            assertThat(cp.queryVirtualDasd(Vaddr.of("1201"))).isEqualTo(clone);
            assertThat(cp.queryVirtualDasds()).isEqualTo(direct.queryVirtualDasds());
            assertThat(cp.queryUserid()).isEqualTo(direct.queryUserid());

            assertThat(cp.detach(Vaddr.of("1201")).lines()).containsExactly("DASD 1201 DETACHED");
            assertThat(direct.queryVirtualDasds()).extracting(VirtualDasd::vaddr).containsExactly(Vaddr.of("1200"));

            CpException expected = org.assertj.core.api.Assertions.catchThrowableOfType(
                    () -> direct.link(Userid.of("NOSUCH"), Vaddr.of("200"), Vaddr.of("1202"), LinkMode.RR), CpException.class);
            assertThatThrownBy(() -> cp.link(Userid.of("NOSUCH"), Vaddr.of("200"), Vaddr.of("1202"), LinkMode.RR))
                    .isInstanceOfSatisfying(CpException.class, e -> {
                        assertThat(e.kind()).isEqualTo(expected.kind()).isEqualTo(CpException.Kind.NOT_IN_DIRECTORY);
                        assertThat(e.messageId()).isEqualTo(expected.messageId()).contains("HCPLNM053E");
                        assertThat(e.returnCode()).isEqualTo(expected.returnCode()).isEqualTo(53);
                    });
        }
    }

    /** chccwdev -e / -d on a linked device: chccwdev's messages, a by-path link to a loop device, and nothing left after -d. */
    @Test
    void chccwdevSetsALinkedDeviceOnlineAndOffline() throws Exception {
        assertThat(vmcp("link", "linux001", "200", "1201", "mr").code()).isZero();
        String[] common = {"--data", data.root().toString(), "--as", "WORKER1"};

        Run online = run(concat(new String[] {"zvm", "chccwdev"}, common, new String[] {"-e", "0.0.1201"}));
        Path link = data.root().resolve("run/by-path/WORKER1/ccw-0.0.1201");

        assertThat(online).isEqualTo(new Run(0, "Setting device 0.0.1201 online" + System.lineSeparator() + "Done" + System.lineSeparator(), ""));
        assertThat(Files.readSymbolicLink(link).toString()).startsWith("/dev/loop");
        Run again = run(concat(new String[] {"zvm", "chccwdev"}, common, new String[] {"-e", "1201"}));
        assertThat(again.code()).isZero();
        assertThat(again.err()).contains("WARNING: Device[0.0.1201] is already online");
        assertThat(run(concat(new String[] {"zvm", "cio_ignore"}, common, new String[] {"-r", "0.0.1201"}))).isEqualTo(new Run(0, "", ""));

        Run offline = run(concat(new String[] {"zvm", "chccwdev"}, common, new String[] {"-d", "0.0.1201"}));

        assertThat(offline).isEqualTo(new Run(0, "Setting device 0.0.1201 offline" + System.lineSeparator() + "Done" + System.lineSeparator(), ""));
        assertThat(Files.isSymbolicLink(link)).isFalse();
        Process list = new ProcessBuilder("losetup", "--list", "--noheadings", "--output", "BACK-FILE").start();
        assertThat(new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).doesNotContain(dir.toRealPath().toString());
    }

    /** chccwdev and cio_ignore of a device the guest has not linked: "not found", exit 1, nothing attached. */
    @Test
    void chccwdevAndCioIgnoreOfAnUnlinkedDeviceFail() {
        String[] common = {"--data", data.root().toString(), "--as", "WORKER1"};

        Run online = run(concat(new String[] {"zvm", "chccwdev"}, common, new String[] {"-e", "0.0.1300"}));
        Run ignore = run(concat(new String[] {"zvm", "cio_ignore"}, common, new String[] {"-r", "0.0.1300"}));
        Run bad = run(concat(new String[] {"zvm", "chccwdev"}, common, new String[] {"-e", "0.0.xyz"}));

        assertThat(online.code()).isEqualTo(1);
        assertThat(online.out()).isEqualTo("Device 0.0.1300 not found" + System.lineSeparator());
        assertThat(online.err()).contains("WORKER1 has no minidisk linked at 1300");
        assertThat(ignore.code()).isEqualTo(1);
        assertThat(ignore.err()).startsWith("cio_ignore: Error: could not remove '0.0.1300' from blacklist");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("0.0.xyz is not a valid bus ID.");
        assertThat(data.root().resolve("run/by-path/WORKER1/ccw-0.0.1300")).doesNotExist();
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }
}
