package org.clonefarm.coordinator.orchestration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.coordinator.simulation.SimulationBatchCommandsTest;
import org.clonefarm.coordinator.simulation.TestFarms;
import org.clonefarm.coordinator.service.CoordinatorService;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.platform.cp.GuestRuntime;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.proto.CloneCopied;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneState;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The coordinator starts copied clones through CP, fails silent ones, completes batches, and survives a restart. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CoordinatorOrchestrationTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    /** A guest runtime that boots nothing: the guest stays logged on and silent (no agent runs). */
    static final class SilentGuests implements GuestRuntime {
        final Set<String> booted = ConcurrentHashMap.newKeySet();

        @Override
        public void boot(Userid userid, SimulatedCp system) {
            booted.add(userid.value());
        }

        @Override
        public void halt(Userid userid) {
        }
    }

    private static void publishCopied(KafkaSettings settings, TopicLayout layout, String batch, List<String> userids) {
        EventFactory workers = new EventFactory("worker-test");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("worker-test"))) {
            for (String userid : userids) {
                CloneEvent copied = workers.newEvent(batch, userid, 1).setCloneCopied(CloneCopied.newBuilder()).build();
                producer.send(new ProducerRecord<>(layout.events(), userid, ContractCodec.encode(copied)));
            }
        }
    }

    @Test
    void copiedClonesAreStartedThroughCpAndSilentOnesTimeOut(@TempDir Path root) throws Exception {
        SimulationDataDirectory data = TestFarms.smallMaster(root, 500);
        KafkaSettings settings = KafkaSettings.of(KAFKA.bootstrapServers());
        TopicLayout layout = TopicLayout.builder().prefix("orch.").build();
        try (Admin admin = Admin.create(settings.admin("t"))) {
            layout.ensure(admin, 30_000);
        }
        SilentGuests guests = new SilentGuests();
        OrchestrationSettings fast = new OrchestrationSettings(2, Duration.ofMinutes(5), Duration.ofSeconds(3),
                Duration.ofMillis(500));
        try (SimulatedCp cp = new SimulatedCp(data, guests, "ZVMSIM");
                CoordinatorService coordinator = CoordinatorService.start("coordinator-test", settings, layout, data,
                        FarmKey.loadOrCreate(FarmKey.defaultFile(data.root())),
                        new CpGuestStarter(cp.session(new Userid("CFCOORD"))), fast, store -> List.of())) {
            coordinator.ready().get(60, TimeUnit.SECONDS);
            coordinator.commands().submit(SimulationBatchCommandsTest.spec("orch", "LINUX001-LINUX004", "10.1.1.21"))
                    .get(60, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> coordinator.store().batch("orch") != null
                    && coordinator.store().batch("orch").count(CloneState.CLONE_STATE_PLANNED) == 4);

            publishCopied(settings, layout, "orch", List.of("LINUX001", "LINUX002", "LINUX003"));
            await().atMost(Duration.ofSeconds(30)).until(() -> guests.booted.size() == 3);
            assertThat(guests.booted).containsExactlyInAnyOrder("LINUX001", "LINUX002", "LINUX003");
            assertThat(cp.isLoggedOn(new Userid("LINUX001"))).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    coordinator.store().status("LINUX001").getStep().equals("started")
                            || coordinator.store().status("LINUX001").getState() == CloneState.CLONE_STATE_FAILED);

            // no agent ever reports: the boot timeout fails them, retryable, naming the step
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    coordinator.store().batch("orch").count(CloneState.CLONE_STATE_FAILED) == 3);
            var failed = coordinator.store().status("LINUX002");
            assertThat(failed.getLastError().getRetryable()).isTrue();
            assertThat(failed.getLastError().getReason()).contains("no news").contains("STARTING");
            assertThat(coordinator.store().status("LINUX004").getState()).isEqualTo(CloneState.CLONE_STATE_PLANNED);

            // cancelling the last one finishes the batch: a batch-completed event with the counts
            coordinator.commands().cancel("orch", List.of("LINUX004")).get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> coordinator.store().batch("orch").completed());
            assertThat(coordinator.store().batch("orch").count(CloneState.CLONE_STATE_CANCELLED)).isEqualTo(1);
        }

        // a restarted coordinator has the same state and starts nothing again
        SilentGuests after = new SilentGuests();
        try (SimulatedCp cp = new SimulatedCp(data, after, "ZVMSIM");
                CoordinatorService coordinator = CoordinatorService.start("coordinator-test", settings, layout, data,
                        FarmKey.loadOrCreate(FarmKey.defaultFile(data.root())),
                        new CpGuestStarter(cp.session(new Userid("CFCOORD"))), OrchestrationSettings.defaults(), store -> List.of())) {
            coordinator.ready().get(60, TimeUnit.SECONDS);
            assertThat(coordinator.store().batch("orch").count(CloneState.CLONE_STATE_FAILED)).isEqualTo(3);
            assertThat(coordinator.store().batch("orch").completed()).isTrue();

            coordinator.commands().retry("orch", List.of("LINUX001")).get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    coordinator.store().status("LINUX001").getState() == CloneState.CLONE_STATE_PLANNED);
            assertThat(coordinator.store().status("LINUX001").getAttempt()).isEqualTo(2);
            assertThat(coordinator.store().batch("orch").completed()).as("a retry reopens the batch").isFalse();

            // the fold has reached the end of the events topic (the retry included) and the replay's starts, if
            // any, were handed out when it caught up: from here on, no guest boots and no event is published
            await().atMost(Duration.ofSeconds(30)).until(() -> coordinator.folder().consumerLag() == 0);
            long folded = coordinator.folder().eventsFolded();
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .until(() -> after.booted.isEmpty() && coordinator.folder().eventsFolded() == folded);
            assertThat(after.booted).as("nothing restarted by the replay").isEmpty();
        }
    }
}
