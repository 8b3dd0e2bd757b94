package org.clonefarm.platform.cp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@link VmcpCp} reads CP's replies: a fake {@code vmcp} first on the child's PATH answers with
 * the documented replies and exit codes. This tests the parsing and the process handling, not z/VM.
 */
@Timeout(60)
class VmcpCpParsingTest {

    @TempDir
    Path dir;
    Path log;
    VmcpCp cp;

    @BeforeEach
    void installFakeVmcp() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path vmcp = bin.resolve("vmcp");
        try (InputStream in = getClass().getResourceAsStream("/zvm/fake-vmcp")) {
            Files.copy(in, vmcp);
        }
        Files.setPosixFilePermissions(vmcp, PosixFilePermissions.fromString("rwxr-xr-x"));
        log = dir.resolve("vmcp.log");
        Map<String, String> env = new HashMap<>(VmcpCp.environmentWithPathFirst(bin));
        env.put("FAKE_VMCP_LOG", log.toString());
        cp = new VmcpCp("vmcp", env, Duration.ofSeconds(5));
    }

    private List<List<String>> calls() throws IOException {
        List<List<String>> calls = new java.util.ArrayList<>();
        List<String> current = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.equals("--")) {
                calls.add(current);
                current = new java.util.ArrayList<>();
            } else {
                current.add(line);
            }
        }
        return calls;
    }

    /** Q USERID: the first word is the userid, the word after AT the system; each word is its own argument. */
    @Test
    void parsesQueryUserid() throws Exception {
        UseridReply reply = cp.queryUserid();

        assertThat(reply).isEqualTo(new UseridReply(Userid.of("LINUX001"), "ZVMSYS1"));
        assertThat(calls()).containsExactly(List.of("Q", "USERID"));
    }

    /** Q V of a 3390 minidisk and of a V-DISK give type, volume, access and size. */
    @Test
    void parsesQueryVirtualDasd() throws Exception {
        VirtualDasd ckd = cp.queryVirtualDasd(Vaddr.of("200"));
        VirtualDasd vdisk = cp.queryVirtualDasd(Vaddr.of("201"));

        assertThat(ckd).isEqualTo(new VirtualDasd(Vaddr.of("0200"), "3390", "LX0001", true, 1800, true, "1356"));
        assertThat(ckd.sizeBytes()).isEqualTo(1800L * 737_280);
        assertThat(vdisk.volser()).isEqualTo("(VDSK)");
        assertThat(vdisk.cylinders()).isFalse();
        assertThat(vdisk.sizeBytes()).isEqualTo(524_288L * 512);
        assertThat(vdisk.deviceType()).contains(org.clonefarm.platform.geometry.DeviceType.FB_512);
    }

    /** A missing device is an error with CP's message id, return code and kind. */
    @Test
    void turnsHcpMessagesIntoTypedErrors() {
        assertThatThrownBy(() -> cp.queryVirtualDasd(Vaddr.of("999"))).isInstanceOfSatisfying(CpException.class, e -> {
            assertThat(e.messageId()).contains("HCPQVD040E");
            assertThat(e.returnCode()).isEqualTo(40);
            assertThat(e.kind()).isEqualTo(CpException.Kind.NO_SUCH_DEVICE);
            assertThat(e.retryable()).isFalse();
            assertThat(e.getMessage()).contains("Device 0999 does not exist");
        });
        assertThatThrownBy(() -> cp.link(Userid.of("NOSUCH"), Vaddr.of("200"), Vaddr.of("1200"), LinkMode.RR))
                .isInstanceOfSatisfying(CpException.class, e -> {
                    assertThat(e.messageId()).contains("HCPLNM053E");
                    assertThat(e.kind()).isEqualTo(CpException.Kind.NOT_IN_DIRECTORY);
                });
        assertThatThrownBy(() -> cp.force(Userid.of("LINUX009"))).isInstanceOfSatisfying(CpException.class,
                e -> assertThat(e.kind()).isEqualTo(CpException.Kind.NOT_LOGGED_ON));
        assertThatThrownBy(() -> cp.detach(Vaddr.of("1299"))).isInstanceOfSatisfying(CpException.class,
                e -> assertThat(e.messageId()).contains("HCPDTV040E"));
    }

    /** LINK: RR is read-only, MR forced to R/O comes back read-only, a conflicting M is a retryable conflict. */
    @Test
    void linkReportsTheAccessGranted() throws Exception {
        assertThat(cp.link(Userid.of("LNXMSTR"), Vaddr.of("200"), Vaddr.of("1200"), LinkMode.RR).readWrite()).isFalse();
        assertThat(cp.link(Userid.of("LNXMSTR"), Vaddr.of("202"), Vaddr.of("1202"), LinkMode.MR).readWrite()).isFalse();
        assertThatThrownBy(() -> cp.link(Userid.of("LNXMSTR"), Vaddr.of("201"), Vaddr.of("1201"), LinkMode.M))
                .isInstanceOfSatisfying(CpException.class, e -> {
                    assertThat(e.kind()).isEqualTo(CpException.Kind.LINK_CONFLICT);
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.returnCode()).isEqualTo(104);
                });
        assertThat(calls().get(0)).containsExactly("LINK", "LNXMSTR", "0200", "1200", "RR");
    }

    /** XAUTOLOG and DETACH return CP's response lines. */
    @Test
    void xautologAndDetachReturnTheResponse() throws Exception {
        assertThat(cp.xautolog(Userid.of("LINUX001")).lines()).containsExactly("Command accepted", "AUTO LOGON  ***  LINUX001 USERS = 32");
        assertThat(cp.detach(Vaddr.of("1200")).text()).isEqualTo("DASD 1200 DETACHED");
    }

    /** A truncated response (exit 2) is asked again with a larger buffer. */
    @Test
    void truncatedResponseIsRetriedWithALargerBuffer() throws Exception {
        VirtualDasd dasd = cp.queryVirtualDasd(Vaddr.of("300"));

        assertThat(dasd.readWrite()).isFalse();
        assertThat(dasd.size()).isEqualTo(10016);
        assertThat(calls()).containsExactly(List.of("Q", "V", "0300"), List.of("--buffer=" + VmcpCp.LARGE_BUFFER, "Q", "V", "0300"));
    }

    /** Words that are not userids, vaddrs or keywords never reach the process: no second command can be slipped in. */
    @Test
    void refusesWordsOutsideTheCpCharacterSet() throws IOException {
        assertThatThrownBy(() -> cp.run("Q", "USERID; rm -rf /")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cp.run("Q", "V", "0200", "$(id)")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Userid.of("linux 01")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Vaddr.of("12345")).isInstanceOf(IllegalArgumentException.class);
        assertThat(log).doesNotExist();
    }

    /** A vmcp that does not answer in time is killed and reported as CP unavailable. */
    @Test
    void slowVmcpIsKilledAfterTheTimeout() throws Exception {
        Map<String, String> env = new HashMap<>(VmcpCp.environmentWithPathFirst(dir.resolve("bin")));
        env.put("FAKE_VMCP_LOG", log.toString());
        VmcpCp impatient = new VmcpCp("vmcp", env, Duration.ofMillis(500));
        long start = System.nanoTime();

        assertThatThrownBy(() -> impatient.force(Userid.of("SLOW"))).isInstanceOfSatisfying(CpException.class,
                e -> assertThat(e.kind()).isEqualTo(CpException.Kind.CP_UNAVAILABLE));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    /** Without vmcp on PATH the error says so and what to do. */
    @Test
    void missingVmcpIsReportedAsUnavailable() {
        VmcpCp nowhere = new VmcpCp("vmcp", Map.of("PATH", dir.resolve("empty").toString()), Duration.ofSeconds(5));

        assertThatThrownBy(nowhere::queryUserid).isInstanceOfSatisfying(CpException.class, e -> {
            assertThat(e.kind()).isEqualTo(CpException.Kind.CP_UNAVAILABLE);
            assertThat(e.getMessage()).contains("not on PATH").contains("vmcp module");
        });
    }
}
