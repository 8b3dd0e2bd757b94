package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.proto.AgentStarted;
import org.clonefarm.proto.BatchCompleted;
import org.clonefarm.proto.BatchPlanned;
import org.clonefarm.proto.CloneCopied;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.ClonePlanned;
import org.clonefarm.proto.CopyFailed;
import org.clonefarm.proto.CopyProgress;
import org.clonefarm.proto.CopyStarted;
import org.clonefarm.proto.DiskCopied;
import org.clonefarm.proto.GuestStartRequested;
import org.clonefarm.proto.Ready;
import org.clonefarm.proto.Rebooting;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clonefarm watch} as a user runs it (a child process, output to a pipe, so plain lines),
 * following a batch whose life synthetic workers and agents publish to a real broker.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WatchCommandTest {
    private static final long DISK = 32L * 1024 * 1024;

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private Process watch;

    @AfterEach
    void killWatch() throws Exception {
        if (watch != null && watch.isAlive()) {
            watch.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static TopicLayout topics(String prefix) throws Exception {
        TopicLayout layout = TopicLayout.builder().prefix(prefix).eventPartitions(3).build();
        try (Admin admin = KAFKA.broker().admin()) {
            layout.ensure(admin, 30_000);
        }
        return layout;
    }

    private Process startWatch(Path dir, String prefix, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("watch", "--bootstrap-servers", KAFKA.bootstrapServers(),
                "--topic-prefix", prefix, "--refresh", "100"));
        args.addAll(List.of(extra));
        watch = new ProcessBuilder(UpCommandTest.javaCommand(args.toArray(String[]::new)))
                .redirectOutput(dir.resolve("watch.out").toFile()).redirectError(dir.resolve("watch.err").toFile())
                .start();
        return watch;
    }

    /**
     * The lives of clones as workers and agents report them; {@code failing} fails its copy for good.
     * {@code afterStep} runs after each step's events are sent (step 0: every copy started).
     */
    private static void publishLives(TopicLayout layout, String batch, List<String> userids, String failing,
            IntConsumer afterStep) throws Exception {
        EventFactory factory = new EventFactory("watch-test");
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(KafkaSettings.of(KAFKA.bootstrapServers()).producer("watch-test"))) {
            List<CloneEvent> first = new ArrayList<>();
            first.add(factory.newEvent(batch, "", 0).setBatchPlanned(BatchPlanned.newBuilder()
                    .setClones(userids.size()).setBytesTotal(DISK * userids.size()).addAllUserids(userids)).build());
            for (String u : userids) {
                first.add(factory.newEvent(batch, u, 1).setClonePlanned(ClonePlanned.newBuilder().setBytesTotal(DISK)).build());
            }
            send(producer, layout, first);
            for (int step = 0; step < 9; step++) {
                List<CloneEvent> events = new ArrayList<>();
                for (String u : userids) {
                    CloneEvent.Builder e = factory.newEvent(batch, u, step < 5 ? 1 : 0);
                    if (u.equals(failing) && step >= 3) {
                        if (step == 3) {
                            events.add(e.setCopyFailed(CopyFailed.newBuilder().setVaddr("0200").setOffset(8192)
                                    .setReason("No space left on device").setRetryable(false)).build());
                        }
                        continue;
                    }
                    events.add(switch (step) {
                        case 0 -> e.setCopyStarted(CopyStarted.newBuilder().setWorkerId("w1").setBytesTotal(DISK)).build();
                        case 1 -> e.setCopyProgress(CopyProgress.newBuilder().setVaddr("0200").setBytesDone(DISK / 3)).build();
                        case 2 -> e.setCopyProgress(CopyProgress.newBuilder().setVaddr("0200").setBytesDone(DISK * 2 / 3)).build();
                        case 3 -> e.setDiskCopied(DiskCopied.newBuilder().setVaddr("0200").setBytesTotal(DISK)).build();
                        case 4 -> e.setCloneCopied(CloneCopied.newBuilder().setBytesTotal(DISK)).build();
                        case 5 -> e.setGuestStartRequested(GuestStartRequested.getDefaultInstance()).build();
                        case 6 -> e.setAgentStarted(AgentStarted.newBuilder().setMode("finalize").setBoot(1)).build();
                        case 7 -> e.setRebooting(Rebooting.getDefaultInstance()).build();
                        default -> e.setReady(Ready.newBuilder().setBoot(2)).build();
                    });
                }
                send(producer, layout, events);
                afterStep.accept(step);
            }
            int ready = failing == null ? userids.size() : userids.size() - 1;
            send(producer, layout, List.of(factory.newEvent(batch, "", 0).setBatchCompleted(BatchCompleted.newBuilder()
                    .setTotal(userids.size()).setReady(ready).setFailed(userids.size() - ready)).build()));
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, TopicLayout layout, List<CloneEvent> events) {
        for (CloneEvent event : events) {
            producer.send(new ProducerRecord<>(layout.events(), event.getUserid(), ContractCodec.encode(event)));
        }
        producer.flush();
    }

    /** Watching a batch that ends all READY prints its clones' progress in plain lines and exits 0. */
    @Test
    void followsABatchLiveAndExitsZeroWhenEveryCloneIsReady(@TempDir Path dir) throws Exception {
        TopicLayout layout = topics("watchok.");
        Process process = startWatch(dir, "watchok.", "web-ok", "--timeout", "90");
        awaitOutput(dir, "waiting for batch web-ok");
        List<String> clones = List.of("LINUX001", "LINUX002", "LINUX003");
        // live: the watcher shows every copy started before the rest of the lives are published
        publishLives(layout, "web-ok", clones, null, step -> {
            if (step == 0) {
                clones.forEach(u -> awaitOutput(dir, u + " COPYING (copy)"));
            }
        });

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(dir.resolve("watch.out"));
        assertThat(process.exitValue()).as("stdout:%n%s%nstderr:%n%s", out, Files.readString(dir.resolve("watch.err")))
                .isZero();
        assertThat(out).contains("LINUX002 COPYING (copy)").contains("LINUX002 READY (ready)")
                .contains("web-ok 100% 96.0 MiB/96.0 MiB").contains("READY 3 | 3/3 finished")
                .contains("batch web-ok complete: all 3 clones READY")
                .doesNotContain("\u001b["); // no terminal control codes into a pipe
    }

    /** A batch that completes with a failed clone exits 1 and names the clone and the reason. */
    @Test
    void exitsOneNamingTheCloneThatFailed(@TempDir Path dir) throws Exception {
        TopicLayout layout = topics("watchfail.");
        publishLives(layout, "web-fail", List.of("LNXF001", "LNXF002"), "LNXF002", step -> { });
        // the batch is over before the watcher starts: the replay alone must give the verdict
        Process process = startWatch(dir, "watchfail.");
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(dir.resolve("watch.out"));
        assertThat(process.exitValue()).as(out).isEqualTo(1);
        assertThat(out).contains("batch web-fail complete: 1 of 2 clones READY; not READY: LNXF002 FAILED"
                + " (copy: disk 0200 at byte 8192: No space left on device)");
    }

    /** A batch that does not finish within --timeout ends the watch with exit 1 and the counts it reached. */
    @Test
    void givesUpAfterTheTimeoutWithTheCountsReached(@TempDir Path dir) throws Exception {
        TopicLayout layout = topics("watchslow.");
        EventFactory factory = new EventFactory("watch-test");
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(KafkaSettings.of(KAFKA.bootstrapServers()).producer("watch-test"))) {
            send(producer, layout, List.of(
                    factory.newEvent("stuck", "", 0).setBatchPlanned(BatchPlanned.newBuilder().setClones(1)).build(),
                    factory.newEvent("stuck", "LNXT001", 1).setClonePlanned(ClonePlanned.newBuilder().setBytesTotal(DISK)).build()));
        }
        Process process = startWatch(dir, "watchslow.", "stuck", "--timeout", "3");
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("watch.err")))
                .contains("batch stuck did not finish within --timeout 3 s: PLANNED 1.");
    }

    private static void awaitOutput(Path dir, String text) {
        Path out = dir.resolve("watch.out");
        await("watch prints '" + text + "'").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(Files.exists(out) ? Files.readString(out) : "")
                        .as("stderr: %s", Files.readString(dir.resolve("watch.err"))).contains(text));
    }
}
