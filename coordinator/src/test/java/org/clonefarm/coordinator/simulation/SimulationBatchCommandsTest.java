package org.clonefarm.coordinator.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.clonefarm.coordinator.commands.BatchCommands;
import org.clonefarm.coordinator.commands.BatchCommands.BatchCommandException;
import org.clonefarm.coordinator.publish.RequestLog;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.state.EventLogSnapshot;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.cms.EdfFileSystem;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.names.NamesFile;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.DiskAction;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Submit on the local simulation: directory, NAMES file and requests, once, with a real broker. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
public class SimulationBatchCommandsTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    public static String spec(String batch, String range, String firstIp) {
        return """
                batch: %s
                master: LNXMSTR
                profile: rw-root
                prototype: LNXPROTO
                volumes: LNXPOOL
                disks: {"0191": link, "0200": copy, "0201": vdisk 524288, "0202": copy, "0203": link}
                network: {netmask: 255.255.255.0, gateway: 10.1.1.1, nameservers: [10.1.1.53], domain: example.com}
                clones:
                  - range: %s
                    ip: %s
                """.formatted(batch, range, firstIp);
    }

    private record Farm(SimulationDataDirectory data, SimulationBatchCommands commands, KafkaSettings settings, TopicLayout layout,
            KafkaProducer<String, byte[]> producer) implements AutoCloseable {
        @Override
        public void close() {
            producer.close();
        }
    }

    private static Farm farm(Path root, String prefix, long poolCylinders) throws Exception {
        SimulationDataDirectory data = TestFarms.smallMaster(root, poolCylinders);
        KafkaSettings settings = KafkaSettings.of(KAFKA.bootstrapServers());
        TopicLayout layout = TopicLayout.builder().prefix(prefix).build();
        try (Admin admin = Admin.create(settings.admin("t"))) {
            layout.ensure(admin, 30_000);
        }
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("submit-test"));
        EventPublisher publisher = new EventPublisher(producer, layout, new EventFactory("submit-test"),
                FarmKey.of(new byte[FarmKey.LENGTH]));
        SimulationBatchCommands commands = new SimulationBatchCommands(data, publisher, () -> snapshot(settings, layout),
                RequestLog.onTopic(settings, layout, Duration.ofSeconds(60)),
                CloneLayout.NAMES_FILE, Duration.ofSeconds(10), Clock.systemUTC());
        return new Farm(data, commands, settings, layout, producer);
    }

    private static CloneStateStore snapshot(KafkaSettings settings, TopicLayout layout) {
        try {
            return EventLogSnapshot.read(settings, layout, Duration.ofSeconds(60));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void submitOfFiftyClonesWritesDirectoryNamesAndOneRequestEach(@TempDir Path root) throws Exception {
        try (Farm farm = farm(root, "submit50.", 1000)) {
            BatchCommands.Submitted submitted = farm.commands().submit(spec("web-01", "LINUX001-LINUX050", "10.1.1.21"))
                    .get(120, TimeUnit.SECONDS);
            assertThat(submitted.clones()).isEqualTo(50);
            assertThat(submitted.alreadySubmitted()).isFalse();
            assertThat(submitted.bytesToCopy()).isEqualTo(50L * 30 * 737_280);

            UserDirectory directory = farm.data().readDirectory();
            assertThat(directory.size()).isEqualTo(52);
            assertThat(directory.validate()).as("no overlapping extents, no dangling links").isEmpty();
            DirectoryEntry clone = directory.entry(new Userid("LINUX007")).orElseThrow();
            UserDirectory alone = UserDirectory.empty();
            alone.add(clone);
            assertThat(alone.print()).contains("LINK LNXMSTR 0191 0191 RR").contains("LINK LNXMSTR 0203 0203 RR")
                    .contains("V-DISK 524288").contains("NICDEF 0600").contains("* clonefarm ");
            assertThat(clone.minidisk(new Vaddr("0200")).orElseThrow().extent().orElseThrow().size()).isEqualTo(20);

            try (EdfFileSystem disk = EdfFileSystem.open(farm.data().resolve(new Userid("LNXMSTR"), new Vaddr("0191")))) {
                NamesFile names = NamesFile.read(disk, CmsFileId.of("LINUX", "NAMES"));
                assertThat(names.entries()).hasSize(50);
                assertThat(names.entry("LINUX007").orElseThrow().get("hostname")).contains("linux007.example.com");
                assertThat(names.entry("LINUX007").orElseThrow().get("ipaddr")).contains("10.1.1.27");
            }

            List<CloneRequest> requests = readRequests(farm);
            assertThat(requests).hasSize(50);
            CloneRequest request = requests.stream().filter(r -> r.getUserid().equals("LINUX007")).findFirst().orElseThrow();
            var root0200 = request.getDisksList().stream().filter(d -> d.getVaddr().equals("0200")).findFirst().orElseThrow();
            assertThat(root0200.getAction()).isEqualTo(DiskAction.DISK_ACTION_COPY);
            assertThat(root0200.getSource().getByteOffset()).isEqualTo(6L * 737_280);
            assertThat(root0200.getTarget().getByteLength()).isEqualTo(20L * 737_280);
            assertThat(farm.data().resolve(new Userid("LINUX007"), new Vaddr("0200")).offset())
                    .isEqualTo(root0200.getTarget().getByteOffset());

            CloneStateStore state = snapshot(farm.settings(), farm.layout());
            assertThat(state.batch("web-01").count(CloneState.CLONE_STATE_PLANNED)).isEqualTo(50);
        }
    }

    @Test
    void sameSpecAgainChangesNothingAndAChangedSpecIsRefused(@TempDir Path root) throws Exception {
        try (Farm farm = farm(root, "again.", 1000)) {
            farm.commands().submit(spec("web-02", "LINUX001-LINUX005", "10.1.1.21")).get(120, TimeUnit.SECONDS);
            String before = farm.data().readDirectory().print();
            BatchCommands.Submitted again = farm.commands().submit(spec("web-02", "LINUX001-LINUX005", "10.1.1.21"))
                    .get(120, TimeUnit.SECONDS);
            assertThat(again.alreadySubmitted()).isTrue();
            assertThat(farm.data().readDirectory().print()).isEqualTo(before);
            assertThat(readRequests(farm)).hasSize(5);
            assertThatThrownBy(() -> farm.commands().submit(spec("web-02", "LINUX001-LINUX006", "10.1.1.21")).join())
                    .isInstanceOf(CompletionException.class).cause()
                    .isInstanceOf(BatchCommandException.class).hasMessageContaining("another spec");
        }
    }

    /**
     * A submit that stopped between its events and its requests (here: one partition's requests deleted
     * from the broker, as if never sent) is completed by the same submit again, and only the missing
     * requests are sent; a third submit sends nothing.
     */
    @Test
    void sameSpecAgainSendsTheRequestsAnInterruptedSubmitDidNotSend(@TempDir Path root) throws Exception {
        try (Farm farm = farm(root, "interrupted.", 1000)) {
            String spec = spec("web-09", "LINUX001-LINUX008", "10.1.1.21");
            farm.commands().submit(spec).get(120, TimeUnit.SECONDS);
            List<CloneRequest> sent = readRequests(farm);
            assertThat(sent).hasSize(8);
            int lostPartition;
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(farm.settings().consumer("probe", null))) {
                lostPartition = Math.abs(org.apache.kafka.common.utils.Utils.murmur2("LINUX001".getBytes(
                        java.nio.charset.StandardCharsets.UTF_8))) % consumer.partitionsFor(farm.layout().cloneRequests()).size();
            }
            TopicPartition lost = new TopicPartition(farm.layout().cloneRequests(), lostPartition);
            try (Admin admin = Admin.create(farm.settings().admin("t"))) {
                long end = admin.listOffsets(java.util.Map.of(lost, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                        .all().get().get(lost).offset();
                admin.deleteRecords(java.util.Map.of(lost, org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(end)))
                        .all().get();
            }
            List<String> remaining = readRequests(farm).stream().map(CloneRequest::getUserid).toList();
            assertThat(remaining).doesNotContain("LINUX001").hasSizeLessThan(8);

            BatchCommands.Submitted again = farm.commands().submit(spec).get(120, TimeUnit.SECONDS);

            assertThat(again.alreadySubmitted()).isTrue();
            assertThat(again.requestsResent()).isEqualTo(8 - remaining.size());
            List<CloneRequest> now = readRequests(farm);
            assertThat(now.stream().map(CloneRequest::getUserid).sorted().toList())
                    .containsExactly("LINUX001", "LINUX002", "LINUX003", "LINUX004", "LINUX005", "LINUX006", "LINUX007", "LINUX008");
            CloneRequest original = sent.stream().filter(r -> r.getUserid().equals("LINUX001")).findFirst().orElseThrow();
            CloneRequest resent = now.stream().filter(r -> r.getUserid().equals("LINUX001")).findFirst().orElseThrow();
            assertThat(resent.getDisksList()).isEqualTo(original.getDisksList());
            assertThat(resent.getSettings()).isEqualTo(original.getSettings());
            assertThat(resent.getAttempt()).isEqualTo(1);

            BatchCommands.Submitted third = farm.commands().submit(spec).get(120, TimeUnit.SECONDS);
            assertThat(third.requestsResent()).isZero();
            assertThat(readRequests(farm)).hasSize(8);
        }
    }

    @Test
    void batchThatDoesNotFitChangesNothingAndSaysWhatIsMissing(@TempDir Path root) throws Exception {
        try (Farm farm = farm(root, "nofit.", 200)) {
            String before = farm.data().readDirectory().print();
            assertThatThrownBy(() -> farm.commands().submit(spec("big", "LINUX001-LINUX020", "10.1.1.21")).join())
                    .cause().isInstanceOf(BatchCommandException.class)
                    .hasMessageContaining("volumes").hasMessageContaining("LNXPOOL");
            assertThat(farm.data().readDirectory().print()).isEqualTo(before);
            assertThat(readRequests(farm)).isEmpty();
        }
    }

    @Test
    void cloneThatExistsInTheDirectoryIsReportedWithItsPlace(@TempDir Path root) throws Exception {
        try (Farm farm = farm(root, "exists.", 1000)) {
            farm.commands().submit(spec("first", "LINUX001-LINUX003", "10.1.1.21")).get(120, TimeUnit.SECONDS);
            assertThatThrownBy(() -> farm.commands().submit(spec("second", "LINUX003-LINUX004", "10.1.1.40")).join())
                    .cause().isInstanceOf(BatchCommandException.class)
                    .hasMessageContaining("clones[0].range").hasMessageContaining("LINUX003")
                    .hasMessageContaining("already in the CP directory");
        }
    }

    @Test
    void secondWriterWaitsThenFailsNamingTheHolder(@TempDir Path root) throws Exception {
        SimulationDataDirectory data = TestFarms.smallMaster(root, 100);
        try (DirectoryLock.Held held = DirectoryLock.acquire(data.root(), "submit held-by-test", Duration.ofSeconds(1))) {
            Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), LockProbe.class.getName(), root.toString())
                    .redirectErrorStream(true).start();
            try {
                assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
                String output = new String(other.getInputStream().readAllBytes());
                assertThat(other.exitValue()).as(output).isEqualTo(3);
                assertThat(output).contains("locked by pid " + ProcessHandle.current().pid()).contains("submit held-by-test");
            } finally {
                other.destroyForcibly();
            }
        }
    }

    /** A second process that tries to take the lock for one second (run by the test above). */
    public static final class LockProbe {
        public static void main(String[] args) throws Exception {
            try (DirectoryLock.Held held = DirectoryLock.acquire(Path.of(args[0]), "probe", Duration.ofSeconds(1))) {
                System.out.println("got the lock");
                System.exit(0);
            } catch (DirectoryLock.LockTimeoutException e) {
                System.out.println(e.getMessage());
                System.exit(3);
            }
        }
    }

    private static List<CloneRequest> readRequests(Farm farm) {
        List<CloneRequest> requests = new ArrayList<>();
        TopicSnapshot.read(farm.settings(), farm.layout().cloneRequests(), "reader", Duration.ofSeconds(30),
                r -> requests.add(ContractCodec.decodeRequest(r.value(), "t")));
        return requests;
    }
}
