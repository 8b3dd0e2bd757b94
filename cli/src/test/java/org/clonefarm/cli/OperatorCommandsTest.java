package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.clonefarm.cli.simulation.DemoMaster;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.proto.AgentStarted;
import org.clonefarm.proto.BatchPlanned;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.GuestStarted;
import org.clonefarm.proto.Ready;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The operator's commands on a real broker and the demo master: plan, submit, status (and its --events), cancel, retry. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OperatorCommandsTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static CapturedRun run(String... args) {
        return CapturedRun.of(args);
    }

    @Test
    void planSubmitStatusCancelAndRetryABatch(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        new DemoMaster(SimulationDataDirectory.at(data), LoopMountGuestsTest.agentJar()).create(false);
        Path spec = dir.resolve("ops.yaml");
        Files.writeString(spec, DemoCommand.spec("ops", 1, 3, "rw-root"));
        String kafka = KAFKA.bootstrapServers();

        CapturedRun plan = run("plan", spec.toString(), "--data", data.toString());
        assertThat(plan.code()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("Batch ops: 3 clones").contains("USER LINUX001 AUTOONLY").contains(":nick.LINUX001");

        CapturedRun submit = run("submit", spec.toString(), "--data", data.toString(), "--bootstrap-servers", kafka);
        assertThat(submit.code()).as(submit.err()).isZero();
        assertThat(submit.out()).contains("submitted batch ops: 3 clones");
        CapturedRun again = run("submit", spec.toString(), "--data", data.toString(), "--bootstrap-servers", kafka);
        assertThat(again.out()).contains("submitted before with this spec; nothing changed");

        CapturedRun status = run("status", "ops", "--data", data.toString(), "--bootstrap-servers", kafka);
        assertThat(status.out()).contains("ops: 3 clones, 3 PLANNED").contains("LINUX002 PLANNED");

        CapturedRun cancel = run("cancel", "ops", "LINUX002", "--data", data.toString(), "--bootstrap-servers", kafka);
        assertThat(cancel.code()).as(cancel.err()).isZero();
        assertThat(cancel.out()).contains("cancelled 1 clones of batch ops: LINUX002");

        CapturedRun retry = run("retry", "ops", "--data", data.toString(), "--bootstrap-servers", kafka);
        assertThat(retry.code()).as(retry.err()).isZero();
        assertThat(retry.out()).contains("retried 1 clones of batch ops: LINUX002");

        // only READY or FAILED clones are refreshed: none here yet
        CapturedRun noRefresh = run("refresh", "ops", "--data", data.toString(), "--bootstrap-servers", kafka);
        assertThat(noRefresh.code()).as(noRefresh.err()).isZero();
        assertThat(noRefresh.out()).contains("nothing to refresh in batch ops");
        CapturedRun planned = run("refresh", "ops", "LINUX001", "--data", data.toString(), "--bootstrap-servers", kafka);
        assertThat(planned.code()).isEqualTo(1);
        assertThat(planned.err()).contains("LINUX001 is PLANNED, not READY or FAILED").doesNotContain("Exception");

        CapturedRun unknown = run("retry", "nope", "--data", data.toString(), "--bootstrap-servers", kafka);
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("there is no batch nope").doesNotContain("Exception");

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, DemoCommand.spec("bad", 1, 3, "rw-root").replace("master: LNXMSTR", "master: NOSUCH"));
        CapturedRun refused = run("plan", bad.toString(), "--data", data.toString());
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("line 2, master: 'NOSUCH' is not in the CP directory");
    }

    /** What a bench or an operator reads a batch's timeline from: its facts, each once, with their times. */
    @Test
    void statusEventsPrintsEveryFactOfTheBatchOnceAsJsonLines() throws Exception {
        String prefix = "status-events.";
        TopicLayout layout = TopicLayout.builder().prefix(prefix).build();
        EventFactory coordinator = new EventFactory("coordinator-1");
        EventFactory agent = new EventFactory("agent-LINUX001");
        CloneEvent planned = coordinator.newEvent("timeline", "", 0)
                .setBatchPlanned(BatchPlanned.newBuilder().setClones(2).addUserids("LINUX001").addUserids("LINUX002")).build();
        CloneEvent started = agent.newEvent("timeline", "LINUX001", 1)
                .setAgentStarted(AgentStarted.newBuilder().setMode("finalize").setBoot(1))
                .setTime(EventFactory.timestamp(Instant.parse("2026-01-02T03:04:05.123456789Z"))).build();
        CloneEvent ready = agent.newEvent("timeline", "LINUX001", 1).setReady(Ready.newBuilder().setBoot(2)).build();
        CloneEvent second = coordinator.newEvent("timeline", "LINUX002", 1)
                .setGuestStarted(GuestStarted.newBuilder().setReply("AUTO LOGON")).build();
        CloneEvent otherBatch = coordinator.newEvent("elsewhere", "LINUX003", 1).setGuestStarted(GuestStarted.newBuilder()).build();
        KafkaSettings settings = KafkaSettings.of(KAFKA.bootstrapServers());
        try (Admin admin = Admin.create(settings.admin("status-events-test"));
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("status-events-test"))) {
            layout.ensure(admin, 15_000);
            EventPublisher publisher = new EventPublisher(producer, layout, coordinator);
            for (CloneEvent event : List.of(planned, started, ready, second, otherBatch, started)) { // started re-sent
                publisher.publish(event).get(30, TimeUnit.SECONDS);
            }
        }

        CapturedRun events = run("status", "timeline", "--events", "--bootstrap-servers", KAFKA.bootstrapServers(),
                "--topic-prefix", prefix);
        assertThat(events.code()).as(events.err()).isZero();
        List<CloneEvent> printed = new ArrayList<>();
        for (String line : events.out().split("\n")) {
            CloneEvent.Builder event = CloneEvent.newBuilder();
            JsonFormat.parser().merge(line, event);
            printed.add(event.build());
        }
        assertThat(printed).containsExactlyInAnyOrder(planned, started, ready, second);
        assertThat(printed.stream().filter(e -> e.getUserid().equals("LINUX001"))).containsExactly(started, ready);
        assertThat(events.out()).contains("\"time\":\"2026-01-02T03:04:05.123456789Z\"")
                .contains("\"agentStarted\":{\"mode\":\"finalize\",\"boot\":1}");

        CapturedRun unknown = run("status", "nope", "--events", "--bootstrap-servers", KAFKA.bootstrapServers(),
                "--topic-prefix", prefix);
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("there is no batch nope (batches: [elsewhere, timeline])");
        CapturedRun noBatch = run("status", "--events", "--bootstrap-servers", KAFKA.bootstrapServers(),
                "--topic-prefix", prefix);
        assertThat(noBatch.code()).isEqualTo(2);
        assertThat(noBatch.err()).contains("--events needs a BATCH");
    }
}
