package org.clonefarm.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.clonefarm.testsupport.MockTopicConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The one "read to the end, then follow": catch-up, following, close and errors, on Kafka's MockConsumer. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TopicLogTest {
    private static final String TOPIC = "events";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final MockTopicConsumer<String, String> consumer = new MockTopicConsumer<>(TOPIC, 2);
    private final List<Handled> handled = new CopyOnWriteArrayList<>();
    private TopicLog<String, String> log;

    private record Handled(String value, boolean live) {
    }

    @AfterEach
    void closeLog() {
        if (log != null) {
            log.close();
        }
    }

    private TopicLog<String, String> recordingLog() {
        log = new TopicLog<>("test-log", TOPIC, () -> consumer, (record, live) -> handled.add(new Handled(record.value(), live)));
        return log;
    }

    /** A topic whose partitions are all empty is caught up at once, before any record. */
    @Test
    void emptyTopicIsCaughtUpAtOnce() throws Exception {
        recordingLog().start().get(5, TimeUnit.SECONDS);

        assertThat(handled).isEmpty();
    }

    /** Caught up is reported after the handler was given every record present at start, never before. */
    @Test
    void caughtUpIsReportedAfterTheRecordsPresentAtStartNotBefore() throws Exception {
        for (int i = 0; i < 5; i++) {
            consumer.append(i % 2 == 0 ? P0 : P1, "k", "old-" + i);
        }
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<CompletableFuture<Void>> caughtUp = new AtomicReference<>();
        List<Boolean> caughtUpWhileHandling = new CopyOnWriteArrayList<>();
        log = new TopicLog<>("test-log", TOPIC, () -> consumer, (record, live) -> {
            awaitQuietly(release);
            caughtUpWhileHandling.add(caughtUp.get().isDone());
            handled.add(new Handled(record.value(), live));
        });
        caughtUp.set(log.start());
        release.countDown();

        caughtUp.get().get(5, TimeUnit.SECONDS);
        assertThat(handled).extracting(Handled::value)
                .containsExactlyInAnyOrder("old-0", "old-1", "old-2", "old-3", "old-4");
        assertThat(handled).extracting(Handled::live).containsOnly(false);
        assertThat(caughtUpWhileHandling).hasSize(5).containsOnly(false);
    }

    /** Records written after the catch-up are followed, and handed over as live. */
    @Test
    void recordsAddedAfterCatchUpAreFollowedAsLive() throws Exception {
        consumer.append(P0, "k", "old");
        recordingLog().start().get(5, TimeUnit.SECONDS);

        consumer.append(P1, "k", "new-1");
        consumer.append(P0, "k", "new-2");

        await().atMost(WAIT).untilAsserted(() -> assertThat(handled)
                .containsExactlyInAnyOrder(new Handled("old", false), new Handled("new-1", true), new Handled("new-2", true)));
    }

    /** A record written while the replay runs lies beyond the end at start, so it is live, not replay. */
    @Test
    void recordWrittenDuringTheReplayIsLive() throws Exception {
        consumer.append(P0, "k", "old");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch handling = new CountDownLatch(1);
        log = new TopicLog<>("test-log", TOPIC, () -> consumer, (record, live) -> {
            handling.countDown();
            awaitQuietly(release);
            handled.add(new Handled(record.value(), live));
        });
        CompletableFuture<Void> caughtUp = log.start();
        assertThat(handling.await(5, TimeUnit.SECONDS)).as("the first record is being handled").isTrue();
        consumer.append(P0, "k", "during");
        release.countDown();

        caughtUp.get(5, TimeUnit.SECONDS);
        log.readToEnd().get(5, TimeUnit.SECONDS);
        assertThat(handled).containsExactly(new Handled("old", false), new Handled("during", true));
    }

    /** readToEnd completes once the records written before the call have been handed over. */
    @Test
    void readToEndCompletesAfterTheRecordsWrittenBeforeTheCall() throws Exception {
        recordingLog().start().get(5, TimeUnit.SECONDS);
        for (int i = 0; i < 20; i++) {
            consumer.append(i % 2 == 0 ? P0 : P1, "k", "v" + i);
        }

        log.readToEnd().get(5, TimeUnit.SECONDS);

        assertThat(handled).hasSize(20);
    }

    /** close stops the log's thread and closes the consumer; nothing is handed over afterwards. */
    @Test
    void closeStopsTheThreadAndClosesTheConsumer() throws Exception {
        recordingLog().start().get(5, TimeUnit.SECONDS);

        log.close();

        assertThat(log.stopped()).isCompleted();
        assertThat(consumer.closed()).isTrue();
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).doesNotContain("clonefarm-test-log");
        assertThatThrownBy(() -> log.readToEnd().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasMessageContaining("closed");
    }

    /** A log closed before it caught up says so through the caught-up future. */
    @Test
    void closeBeforeCatchUpFailsTheCaughtUpFuture() throws Exception {
        consumer.append(P0, "k", "old");
        consumer.updateEndOffsets(java.util.Map.of(P0, 5L)); // an end the log never reaches
        CompletableFuture<Void> caughtUp = recordingLog().start();
        await().atMost(WAIT).until(() -> handled.size() == 1);

        log.close();

        assertThatThrownBy(() -> caughtUp.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasMessageContaining("closed");
        assertThat(log.stopped()).isCompleted();
    }

    /** A handler that throws stops the log, and its error reaches the futures with the record's place. */
    @Test
    void failingHandlerStopsTheLogAndIsReported() {
        consumer.append(P0, "k", "good");
        consumer.append(P0, "k", "bad");
        consumer.append(P0, "k", "never");
        log = new TopicLog<>("test-log", TOPIC, () -> consumer, (record, live) -> {
            if (record.value().equals("bad")) {
                throw new IllegalArgumentException("cannot fold bad");
            }
            handled.add(new Handled(record.value(), live));
        });

        CompletableFuture<Void> caughtUp = log.start();

        assertThatThrownBy(() -> caughtUp.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(TopicLog.HandlerException.class).hasMessageContaining("events-0@1")
                .hasRootCauseMessage("cannot fold bad");
        assertThat(log.stopped()).isCompletedExceptionally();
        assertThat(handled).extracting(Handled::value).containsExactly("good");
        await().atMost(WAIT).until(consumer::closed);
    }

    /** A one-shot read hands over the records below the end at the call, on the caller's thread. */
    @Test
    void readOnceReadsTheRecordsPresentAtTheCall() {
        consumer.append(P0, "k", "a");
        consumer.append(P1, "k", "b");
        consumer.append(P0, "k", "c");
        List<String> values = new CopyOnWriteArrayList<>();
        Thread caller = Thread.currentThread();

        TopicLog.readOnce(consumer, TOPIC, WAIT, (ConsumerRecord<String, String> record) -> {
            assertThat(Thread.currentThread()).isSameAs(caller);
            values.add(record.value());
        });

        assertThat(values).containsExactlyInAnyOrder("a", "b", "c");
    }

    /** A one-shot read that cannot reach the end in time fails with a timeout, naming the topic. */
    @Test
    void readOnceThatCannotReachTheEndTimesOut() {
        consumer.append(P0, "k", "a");
        consumer.updateEndOffsets(java.util.Map.of(P0, 5L)); // an end no record reaches: the broker went away

        assertThatThrownBy(() -> TopicLog.readOnce(consumer, TOPIC, Duration.ofMillis(300), record -> { }))
                .isInstanceOf(TimeoutException.class).hasMessageContaining("events");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
