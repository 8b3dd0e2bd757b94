package org.clonefarm.coordinator.orchestration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.coordinator.commands.BatchCommands;
import org.clonefarm.coordinator.service.CoordinatorService;
import org.clonefarm.coordinator.simulation.SimulationBatchCommandsTest;
import org.clonefarm.coordinator.simulation.TestFarms;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.platform.cp.GuestRuntime;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.proto.CloneCopied;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.Ready;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refresh through the coordinator: READY clones get a refresh attempt, their guests are stopped (FORCE)
 * before their refresh requests are published, and after the copy they are started again; one whose copy
 * found the master unchanged is READY again without an agent.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CoordinatorRefreshTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    /** Guests that boot silently and record every boot and halt, in order. */
    static final class RecordingGuests implements GuestRuntime {
        final List<String> log = new CopyOnWriteArrayList<>();

        @Override
        public void boot(Userid userid, SimulatedCp system) {
            log.add("boot " + userid.value());
        }

        @Override
        public void halt(Userid userid) {
            log.add("halt " + userid.value());
        }
    }

    private static void publish(KafkaSettings settings, TopicLayout layout, CloneEvent... events) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("worker-test"))) {
            for (CloneEvent event : events) {
                producer.send(new ProducerRecord<>(layout.events(), event.getUserid(), ContractCodec.encode(event)));
            }
        }
    }

    private static List<CloneRequest> requests(KafkaSettings settings, TopicLayout layout) {
        List<CloneRequest> requests = new ArrayList<>();
        TopicSnapshot.read(settings, layout.cloneRequests(), "requests-reader", Duration.ofSeconds(30),
                r -> requests.add(ContractCodec.decodeRequest(r.value(), "test")));
        return requests;
    }

    @Test
    void refreshStopsTheGuestBeforeItsRequestAndAnUnchangedRefreshIsReadyAgain(@TempDir Path root) throws Exception {
        SimulationDataDirectory data = TestFarms.smallMaster(root, 500);
        KafkaSettings settings = KafkaSettings.of(KAFKA.bootstrapServers());
        TopicLayout layout = TopicLayout.builder().prefix("refresh.").build();
        try (Admin admin = Admin.create(settings.admin("t"))) {
            layout.ensure(admin, 30_000);
        }
        RecordingGuests guests = new RecordingGuests();
        EventFactory worker = new EventFactory("worker-test");
        try (SimulatedCp cp = new SimulatedCp(data, guests, "ZVMSIM");
                CoordinatorService coordinator = CoordinatorService.start("coordinator-test", settings, layout, data,
                        FarmKey.loadOrCreate(FarmKey.defaultFile(data.root())),
                        new CpGuestStarter(cp.session(new Userid("CFCOORD"))), OrchestrationSettings.defaults(),
                        store -> List.of())) {
            coordinator.ready().get(60, TimeUnit.SECONDS);
            coordinator.commands().submit(SimulationBatchCommandsTest.spec("ref", "LINUX001-LINUX002", "10.1.1.31"))
                    .get(60, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> coordinator.store().batch("ref") != null
                    && coordinator.store().batch("ref").count(CloneState.CLONE_STATE_PLANNED) == 2);
            for (String userid : List.of("LINUX001", "LINUX002")) {
                publish(settings, layout, worker.newEvent("ref", userid, 1).setCloneCopied(CloneCopied.newBuilder()).build());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> guests.log.size() == 2);
            for (String userid : List.of("LINUX001", "LINUX002")) {
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        coordinator.store().status(userid).getState() == CloneState.CLONE_STATE_STARTING);
                publish(settings, layout, worker.newEvent("ref", userid, 1).setReady(Ready.newBuilder().setBoot(2)).build());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> coordinator.store().batch("ref")
                    .count(CloneState.CLONE_STATE_READY) == 2);
            assertThatThrownBy(() -> coordinator.commands().retry("ref", List.of("LINUX001")).join())
                    .as("a READY clone is refreshed, not retried").hasMessageContaining("READY");

            BatchCommands.Refreshed refreshed = coordinator.commands().refresh("ref", List.of()).get(30, TimeUnit.SECONDS);
            assertThat(refreshed.userids()).containsExactlyInAnyOrder("LINUX001", "LINUX002");
            assertThat(refreshed.masterVersion()).isNotBlank();
            await().atMost(Duration.ofSeconds(30)).until(() -> requests(settings, layout).stream()
                    .filter(CloneRequest::getRefresh).count() == 2);
            for (CloneRequest request : requests(settings, layout).stream().filter(CloneRequest::getRefresh).toList()) {
                assertThat(request.getAttempt()).isEqualTo(2);
                assertThat(request.getMasterVersion()).isEqualTo(refreshed.masterVersion());
            }
            // each guest was stopped, and GuestStopped recorded, before its refresh request
            assertThat(guests.log).contains("halt LINUX001", "halt LINUX002");
            assertThat(coordinator.store().status("LINUX001").getRefreshes()).isEqualTo(1);
            assertThat(coordinator.store().status("LINUX001").getRefreshVersion()).isEqualTo(refreshed.masterVersion());
            assertThat(coordinator.store().history("LINUX001")).extracting(CloneEvent::getFactCase)
                    .containsSubsequence(CloneEvent.FactCase.RETRY_REQUESTED, CloneEvent.FactCase.GUEST_STOPPED);

            // the worker found the master unchanged for LINUX001 and copied LINUX002's changed chunks
            publish(settings, layout,
                    worker.newEvent("ref", "LINUX001", 2).setCloneCopied(CloneCopied.newBuilder().setUnchanged(true)).build(),
                    worker.newEvent("ref", "LINUX002", 2).setCloneCopied(CloneCopied.newBuilder()).build());
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    coordinator.store().status("LINUX001").getState() == CloneState.CLONE_STATE_READY);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    coordinator.store().status("LINUX002").getState() == CloneState.CLONE_STATE_STARTING);
            assertThat(guests.log).containsSubsequence("halt LINUX001", "boot LINUX001")
                    .containsSubsequence("halt LINUX002", "boot LINUX002");
            assertThat(coordinator.store().status("LINUX001").getAttempt()).isEqualTo(2);
        }
    }
}
