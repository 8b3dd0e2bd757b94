package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.clonefarm.proto.CloneEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** READY is reported once per clone: after the finalize reboot (RW root), on the first boot (RO root). */
@Timeout(60)
class ReportReadyAndInitrdTest {
    @TempDir
    Path dir;

    /** report-ready records READY for boot 2 once; later runs record nothing more. */
    @Test
    void reportsReadyOnceAfterTheFinalizeReboot() {
        Path root = GuestTree.create(dir.resolve("root"), "ID=debian\nVERSION_ID=\"12\"\n");
        GuestTree.agent(root).finalizeClone();

        assertThat(GuestTree.agent(root).reportReady()).isTrue();
        assertThat(GuestTree.agent(root).reportReady()).isFalse();

        List<CloneEvent> events = GuestTree.agent(root).spooledEvents();
        assertThat(events.stream().filter(CloneEvent::hasReady)).singleElement()
                .satisfies(e -> assertThat(e.getReady().getBoot()).isEqualTo(2))
                .satisfies(e -> assertThat(e.getBatchId()).isEqualTo("b-42"));
    }

    /**
     * Outside the guest (a tree on disk without sysfs, as in the local loop-mount simulation, where the agent
     * runs as a host process): READY names the interface finalize configured, reads no address, and says why;
     * the host's own interfaces are never taken for the clone's.
     */
    @Test
    void readyOutsideTheGuestNamesTheInterfaceAndSaysWhyItHasNoAddress() {
        Path root = GuestTree.create(dir.resolve("root"), "ID=debian\nVERSION_ID=\"12\"\n");
        GuestTree.agent(root).finalizeClone();

        assertThat(GuestTree.agent(root).reportReady()).isTrue();

        CloneEvent ready = GuestTree.agent(root).spooledEvents().stream().filter(CloneEvent::hasReady).findFirst()
                .orElseThrow();
        assertThat(ready.getReady().getInterfaceName()).isEqualTo("enc600");
        assertThat(ready.getReady().getConfiguredAddressesList()).isEmpty();
        assertThat(ready.getReady().getConfiguredNote()).isEqualTo(root.resolve("sys/class/net")
                + " does not exist: the agent runs outside the guest, so the interface's addresses are not read");
    }

    /** initrd: pre-mount files into the initrd's /etc, post-mount ones under /var/local/etc; READY on boot 1 only. */
    @Test
    void initrdWritesBothPlacesAndReportsReadyOnTheFirstBootOnly() throws IOException {
        Path initrd = GuestTree.create(dir.resolve("initrd"), "ID=debian\nVERSION_ID=\"12\"\n");
        Path var = dir.resolve("var");
        GuestTree.write(var, "local/etc/hosts", "127.0.0.1\tlocalhost\n10.1.0.10\tlnxmstr\n");
        String initrdHosts = GuestTree.read(initrd, "etc/hosts");

        GuestAgent.Result first = initrdAgent(initrd, var).initrd();

        assertThat(first.files()).containsExactly("/etc/network/interfaces", "/var/local/etc/hosts",
                "/var/local/etc/resolv.conf", "/etc/hostname", "/etc/machine-id", "/etc/ssh/ssh_host_ed25519_key",
                "/etc/ssh/ssh_host_ed25519_key.pub");
        assertThat(GuestTree.read(initrd, "etc/hostname")).isEqualTo("linux001\n");
        assertThat(GuestTree.read(initrd, "etc/network/interfaces")).contains("address 10.1.0.11/24");
        assertThat(GuestTree.read(initrd, "etc/hosts")).isEqualTo(initrdHosts);
        assertThat(GuestTree.read(var, "local/etc/hosts")).isEqualTo("127.0.0.1\tlocalhost\n"
                + "# Written by the clonefarm agent for LINUX001\n10.1.0.11\tlinux001.example.com linux001\n");
        assertThat(GuestTree.read(var, "local/etc/resolv.conf")).contains("nameserver 10.1.0.2\n");
        assertThat(var.resolve("lib/clonefarm/agent/events.spool")).exists();
        assertThat(initrd.resolve("var")).doesNotExist();

        GuestTree.write(initrd, "etc/ssh/ssh_host_ed25519_key", "KEY MADE ON BOOT 1\n");
        GuestAgent.Result second = initrdAgent(initrd, var).initrd();

        assertThat(second.files()).doesNotContain("/etc/machine-id", "/etc/ssh/ssh_host_ed25519_key");
        assertThat(GuestTree.read(initrd, "etc/ssh/ssh_host_ed25519_key")).isEqualTo("KEY MADE ON BOOT 1\n");
        List<CloneEvent> events = initrdAgent(initrd, var).spooledEvents();
        assertThat(events.stream().filter(CloneEvent::hasReady)).singleElement()
                .satisfies(e -> assertThat(e.getReady().getBoot()).isEqualTo(1));
        assertThat(events.stream().filter(CloneEvent::hasAgentStarted).map(e -> e.getAgentStarted().getBoot()))
                .containsExactly(1, 2);
    }

    /**
     * A real RO-root boot: the initrd runs before the network, so READY is left to report-ready after
     * network-online, which reports it once as this same boot; the master's finalize marker, copied into the
     * initrd's /etc at every boot, is gone so the RW-root finalize unit does not run.
     */
    @Test
    void initrdLeavesReadyToReportReadyOfTheSameBootAndRemovesTheMastersMarker() throws IOException {
        Path initrd = GuestTree.create(dir.resolve("initrd"), "ID=debian\nVERSION_ID=\"12\"\n");
        Path var = initrd.resolve("var");
        GuestTree.write(var, "local/etc/hosts", "127.0.0.1\tlocalhost\n");
        assertThat(initrd.resolve("etc/rc.finalize")).exists();

        initrdAgent(initrd, var).initrd(GuestAgent.InitrdReady.AFTER_THE_NETWORK);

        assertThat(initrd.resolve("etc/rc.finalize")).doesNotExist();
        assertThat(initrdAgent(initrd, var).spooledEvents().stream().filter(CloneEvent::hasReady)).isEmpty();
        assertThat(GuestTree.agent(initrd).reportReady()).isTrue();

        GuestTree.write(initrd, "etc/rc.finalize", "finalize me\n"); // the next boot's initrd: the master's /etc again
        initrdAgent(initrd, var).initrd(GuestAgent.InitrdReady.AFTER_THE_NETWORK);
        assertThat(GuestTree.agent(initrd).reportReady()).isFalse();

        List<CloneEvent> events = initrdAgent(initrd, var).spooledEvents();
        assertThat(initrd.resolve("etc/rc.finalize")).doesNotExist();
        assertThat(events.stream().filter(CloneEvent::hasReady)).singleElement()
                .satisfies(e -> assertThat(e.getReady().getBoot()).isEqualTo(1));
        assertThat(events.stream().filter(CloneEvent::hasAgentStarted).map(e -> e.getAgentStarted().getMode() + " "
                + e.getAgentStarted().getBoot())).containsExactly("initrd 1", "report-ready 1", "initrd 2");
    }

    private static GuestAgent initrdAgent(Path initrd, Path var) {
        return GuestAgent.builder(GuestTree.config(initrd, Map.of())).root(initrd).initrdVarRoot(var)
                .identity(Identity.fixed(GuestTree.USERID)).configSource(GuestTree.source()).build();
    }
}
