package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.cms.DiskLayout;
import org.clonefarm.platform.cms.EdfFileSystem;
import org.clonefarm.platform.cms.RecordFormat;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.LoopDevice;
import org.clonefarm.platform.names.NamesEntry;
import org.clonefarm.platform.names.NamesFile;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.Ready;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent against real kernel interfaces, as in a booted guest: a network namespace of its own holds
 * a veth pair (the clone's NIC, with the MAC of its NAMES entry and a telling name, and another one),
 * the agent runs as a child JVM inside it ({@code ip netns exec}), with a guest root whose {@code sys}
 * is the namespace's sysfs, and reads its NAMES entry from a real loop device over the 191 extent of a
 * volume image, reached through a by-id link like the QEMU runtime's {@code /dev/disk/by-id/virtio-0191}.
 *
 * <p>A new namespace has no route to the host's broker, so the events stay in the spool inside the
 * namespace run; the test then delivers that spool from the host to a real broker and reads READY off
 * the guest-events topic. Namespaces (and with them their links) and the loop device are removed after
 * each test, failed or not.
 */
@Timeout(300)
class AgentOnKernelInterfacesTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static final TopicLayout LAYOUT = TopicLayout.builder().prefix("agentnetns.").build();
    private static final FarmKey FARM = FarmKey.of(new byte[] {
        9, 8, 7, 6, 5, 4, 3, 2, 1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
    private static final String MAC = "02:00:00:0a:1b:2c";
    private static final long OFFSET = 737_280L;
    private static final long LENGTH = 5 * 737_280L;

    @TempDir
    Path dir;

    private final String namespace = "cfagent" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFFFFFL);
    private Path root;
    private LoopDevice loop;
    private String configDisk;

    @BeforeAll
    static void topics() {
        try (Admin admin = Admin.create(KafkaSettings.of(KAFKA.bootstrapServers()).admin("agent-netns-test"))) {
            LAYOUT.ensure(admin, 30_000);
        }
    }

    @BeforeEach
    void namespaceAndDisk() throws Exception {
        command("ip", "netns", "add", namespace);
        command("ip", "-n", namespace, "link", "add", "ens7", "type", "veth", "peer", "name", "peer0");
        command("ip", "-n", namespace, "link", "set", "ens7", "address", MAC);
        command("ip", "-n", namespace, "link", "set", "peer0", "address", "02:00:00:0a:1b:99");
        command("ip", "-n", namespace, "link", "set", "peer0", "up");
        command("ip", "-n", namespace, "link", "set", "ens7", "up");

        root = GuestTree.create(dir.resolve("root"), "PRETTY_NAME=\"Debian GNU/Linux 12\"\nID=debian\nVERSION_ID=\"12\"\n");
        Files.createSymbolicLink(root.resolve("sys"), Path.of("/sys")); // inside the namespace: its own sysfs
        GuestTree.seedKey(root, FARM, GuestTree.USERID, "b-7", 1);
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            command("ip", "netns", "del", namespace); // its veth pair goes with it
        } finally {
            if (loop != null) {
                loop.close();
            }
        }
    }

    /**
     * Finalize, in the namespace, finds the interface by :macaddr. in the real sysfs and writes it into
     * the Debian files with both address families; once the addresses are on the interface,
     * report-ready's READY carries what the kernel has, and it reaches the broker.
     */
    @Test
    void finalizeFindsTheInterfaceByMacAndReadyCarriesTheKernelsAddresses() throws Exception {
        namesOnLoopDevice(Map.of("hostname", "linux001", "ipaddr", "10.1.0.11", "netmask", "24", "gateway", "10.1.0.1",
                "ipaddr6", "fd00:1:0::11", "prefix6", "64", "gateway6", "fe80::1", "macaddr", "02-00-00-0A-1B-2C",
                "batch", "b-7"));

        Result finalized = agentInNamespace("finalize", "--set", "reboot.command=true");

        assertThat(finalized.exit()).as(finalized.err()).isZero();
        assertThat(Files.readString(root.resolve("etc/network/interfaces"))).contains(
                "auto ens7\niface ens7 inet static\n    address 10.1.0.11/24\n    gateway 10.1.0.1\n\n"
                        + "iface ens7 inet6 static\n    address fd00:1::11/64\n    gateway fe80::1\n");

        // ifupdown's part at the reboot, done here by hand: the addresses the file gives, on the interface
        command("ip", "-n", namespace, "addr", "add", "10.1.0.11/24", "dev", "ens7");
        command("ip", "-n", namespace, "addr", "add", "fd00:1::11/64", "dev", "ens7", "nodad");
        Result ready = agentInNamespace("report-ready");

        assertThat(ready.exit()).as(ready.err()).isZero();
        Ready spooled = lastReady(GuestAgent.builder(AgentConfig.defaults()).root(root).build().spooledEvents());
        assertThat(spooled.getInterfaceName()).isEqualTo("ens7");
        assertThat(spooled.getConfiguredAddressesList()).containsExactly("10.1.0.11/24", "fd00:1::11/64");
        assertThat(spooled.getConfiguredNote()).isEmpty();

        GuestAgent.Delivery delivery = GuestAgent.builder(GuestTree.config(root, Map.of(AgentConfig.BOOTSTRAP_SERVERS,
                KAFKA.bootstrapServers(), AgentConfig.TOPIC_PREFIX, LAYOUT.prefix()))).root(root).build().deliver();
        assertThat(delivery.pending()).as(delivery.problem()).isZero();
        Ready onTopic = await().atMost(Duration.ofSeconds(30)).until(() -> readyOnTopic(GuestTree.USERID),
                r -> r != null);
        assertThat(onTopic.getConfiguredAddressesList()).containsExactly("10.1.0.11/24", "fd00:1::11/64");
    }

    /** READY says what the kernel has, not what NAMES says: another address on the interface is the one reported. */
    @Test
    void readyReportsTheKernelsAddressEvenWhenItIsNotTheNamesAddress() throws Exception {
        namesOnLoopDevice(Map.of("hostname", "linux001", "ipaddr", "10.1.0.11", "netmask", "24", "macaddr", MAC));
        assertThat(agentInNamespace("finalize", "--set", "reboot.command=true").exit()).isZero();
        command("ip", "-n", namespace, "addr", "add", "10.1.0.99/24", "dev", "ens7");

        assertThat(agentInNamespace("report-ready").exit()).isZero();

        Ready spooled = lastReady(GuestAgent.builder(AgentConfig.defaults()).root(root).build().spooledEvents());
        assertThat(spooled.getConfiguredAddressesList()).containsExactly("10.1.0.99/24");
    }

    /** A MAC that no interface has is a retryable configure failure naming the MAC and every interface seen. */
    @Test
    void macThatNoInterfaceHasFailsNamingTheMacAndTheInterfaces() throws Exception {
        namesOnLoopDevice(Map.of("hostname", "linux001", "ipaddr", "10.1.0.11", "netmask", "24",
                "macaddr", "02:00:00:99:99:99"));

        Result run = agentInNamespace("finalize", "--set", "reboot.command=true", "--set", "device.wait.ms=300");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("configure failed").contains("no network interface has the MAC address"
                + " 02:00:00:99:99:99").contains("ens7 " + MAC).contains("peer0 02:00:00:0a:1b:99");
        assertThat(root.resolve("etc/rc.finalize")).as("the marker stays for the next boot").exists();
        CloneEvent last = GuestAgent.builder(AgentConfig.defaults()).root(root).build().spooledEvents().stream()
                .reduce((a, b) -> b).orElseThrow();
        assertThat(last.getAgentFailed().getStep()).isEqualTo("configure");
        assertThat(last.getAgentFailed().getRetryable()).isTrue();
    }

    /** :interface. wins over :macaddr.: the named interface is configured although another one has the MAC. */
    @Test
    void interfaceTagWinsOverTheMac() throws Exception {
        namesOnLoopDevice(Map.of("hostname", "linux001", "ipaddr", "10.1.0.11", "netmask", "24", "macaddr", MAC,
                "interface", "peer0"));

        Result run = agentInNamespace("finalize", "--dry-run");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"interface\":\"peer0\"").contains("\"macaddr\":\"" + MAC + "\"");
    }

    // ---- helpers

    /**
     * Writes a NAMES file holding LINUX001's entry on a CMS disk at the 191 extent of a volume image,
     * attaches a read-only loop device over that extent and links it where the QEMU runtime's udev would
     * ({@code dev/disk/by-id/virtio-0191} under the test directory); config.disk first names a by-path
     * device that does not exist, as the agent's default does outside z/VM.
     */
    private void namesOnLoopDevice(Map<String, String> tags) throws Exception {
        Path image = dir.resolve("VOL001.img");
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[1]), 20 * 737_280L - 1);
        }
        FileRegion region = new FileRegion(image, OFFSET, LENGTH);
        try (EdfFileSystem disk = EdfFileSystem.format(region, 4096, DiskLayout.CKD, "MST191")) {
            NamesFile.of(List.of(NamesEntry.of(GuestTree.USERID, tags))).write(disk, CmsFileId.of("LINUX", "NAMES"),
                    RecordFormat.F, NamesFile.DEFAULT_RECORD_LENGTH);
        }
        loop = LoopDevice.attach(region, true);
        Path byId = dir.resolve("dev/disk/by-id/virtio-0191");
        Files.createDirectories(byId.getParent());
        Files.createSymbolicLink(byId, loop.device());
        try (FileChannel device = FileChannel.open(byId)) {
            assertThat(device.size()).as("the loop device is the extent, not the image").isEqualTo(LENGTH);
        }
        configDisk = dir.resolve("dev/disk/by-path/ccw-0.0.0191") + "," + byId;
    }

    private record Result(int exit, String out, String err) {
    }

    /** The agent's command line as a child JVM inside the namespace, with the test's classpath (the jar's contents). */
    private Result agentInNamespace(String mode, String... more) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace,
                ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                AgentMain.class.getName(), mode, "--root", root.toString(), "--userid", GuestTree.USERID,
                "--set", "config.disk=" + configDisk, "--set", "config.disk.bus.id=", "--set", "device.wait.ms=5000"));
        command.addAll(List.of(more));
        Path out = dir.resolve("agent.out");
        Path err = dir.resolve("agent.err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("the agent's " + mode + " did not end within 120 s: " + Files.readString(err));
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static Ready lastReady(List<CloneEvent> events) {
        return events.stream().filter(CloneEvent::hasReady).map(CloneEvent::getReady).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no READY in the spool: " + events));
    }

    private static Ready readyOnTopic(String userid) {
        Map<String, Ready> ready = new LinkedHashMap<>();
        TopicSnapshot.read(KafkaSettings.of(KAFKA.bootstrapServers()), LAYOUT.guestEvents(), "agent-netns-reader",
                Duration.ofSeconds(30), record -> {
                    if (userid.equals(record.key())) {
                        CloneEvent event = ContractCodec.decodeEvent(record.value(), record.topic() + "@" + record.offset());
                        if (event.hasReady()) {
                            ready.put(userid, event.getReady());
                        }
                    }
                });
        return ready.get(userid);
    }

    private static void command(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(String.join(" ", command) + " did not end within 30 s");
        }
        output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + process.exitValue() + ": " + output);
        }
    }
}
