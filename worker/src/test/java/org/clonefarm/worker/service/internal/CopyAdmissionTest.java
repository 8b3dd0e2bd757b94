package org.clonefarm.worker.service.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.clonefarm.testsupport.MockTopicConsumer;
import org.clonefarm.worker.service.internal.CopyAdmission.Step;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which requests start copying, on Kafka's MockConsumer: capacity, one copy per userid, offset order per
 * partition, and the pause of partitions with a backlog. A request here is its record; its value is the userid.
 */
class CopyAdmissionTest {
    private static final String TOPIC = "requests";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    private final MockTopicConsumer<String, String> consumer = new MockTopicConsumer<>(TOPIC, 2);
    private final CopyAdmission<ConsumerRecord<String, String>> admission = new CopyAdmission<>(2);
    private final List<String> started = new ArrayList<>();

    @BeforeEach
    void assignBothPartitions() {
        consumer.subscribe(List.of(TOPIC));
        consumer.rebalance(List.of(P0, P1));
    }

    /** One turn of the poll loop: take what the poll fetched, start what may start, pause or resume. */
    private void turn() {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(10))) {
            admission.enqueue(new TopicPartition(record.topic(), record.partition()), record);
        }
        admission.admit((partition, request) -> {
            if (!admission.hasRoomFor(request.value())) {
                return Step.WAIT;
            }
            admission.started(request.value());
            started.add(request.value());
            return Step.TAKEN;
        });
        admission.pauseOrResume(consumer);
    }

    /** Beyond capacity requests wait, their partition paused so nothing more is fetched there; it resumes when empty. */
    @Test
    void requestsBeyondCapacityWaitWithTheirPartitionPaused() {
        consumer.append(P0, "k", "LINUX001");
        consumer.append(P0, "k", "LINUX002");
        consumer.append(P0, "k", "LINUX003");
        consumer.append(P1, "k", "LINUX004");

        turn();
        assertThat(started).containsExactlyInAnyOrder("LINUX001", "LINUX004");
        assertThat(admission.copying()).isEqualTo(2);
        assertThat(admission.waiting()).isEqualTo(2);
        assertThat(consumer.paused()).containsExactly(P0);

        consumer.append(P0, "k", "LINUX005");
        admission.finished("LINUX001");
        turn();
        assertThat(started).as("LINUX005 is not fetched while P0 is paused").containsExactlyInAnyOrder("LINUX001",
                "LINUX004", "LINUX002");

        admission.finished("LINUX002");
        turn();
        assertThat(started).endsWith("LINUX003");
        assertThat(consumer.paused()).as("P0's backlog is empty").isEmpty();

        admission.finished("LINUX003");
        turn();
        assertThat(started).endsWith("LINUX005");
    }

    /** Two attempts of one clone never copy at once, even with room: the second waits for the first. */
    @Test
    void oneCopyPerUseridAtATime() {
        consumer.append(P0, "k", "LINUX001");
        consumer.append(P1, "k", "LINUX001");

        turn();
        assertThat(started).containsExactly("LINUX001");
        assertThat(consumer.paused()).containsExactly(P1);

        admission.finished("LINUX001");
        turn();
        assertThat(started).containsExactly("LINUX001", "LINUX001");
        assertThat(consumer.paused()).isEmpty();
    }

    /** A head that must wait holds back its partition: requests of a partition start in offset order. */
    @Test
    void waitingHeadHoldsBackTheLaterRequestsOfItsPartition() {
        consumer.append(P1, "k", "LINUX001");
        turn();
        consumer.append(P0, "k", "LINUX001"); // busy: waits
        consumer.append(P0, "k", "LINUX002"); // room, but behind the waiting head

        turn();
        assertThat(started).containsExactly("LINUX001");
        assertThat(admission.waiting()).isEqualTo(2);
    }

    /** A copy to do again goes ahead of the partition's waiting requests. */
    @Test
    void requeuedRequestGoesFirst() {
        consumer.append(P0, "k", "LINUX001");
        consumer.append(P0, "k", "LINUX002");
        consumer.append(P0, "k", "LINUX003");
        turn();
        ConsumerRecord<String, String> again = new ConsumerRecord<>(TOPIC, 0, 0, "k", "LINUX001");

        admission.finished("LINUX001");
        admission.requeue(P0, again);
        turn();

        assertThat(started).containsExactly("LINUX001", "LINUX002", "LINUX001");
    }

    /** Revoked partitions lose their backlog (their next owner gets those requests); the others keep theirs. */
    @Test
    void forgetDropsTheBacklogsOfRevokedPartitions() {
        for (int i = 1; i <= 3; i++) {
            consumer.append(P0, "k", "LINUX00" + i);
        }
        consumer.append(P1, "k", "LINUX009");
        consumer.append(P1, "k", "LINUX008");
        turn();
        assertThat(admission.waiting()).isEqualTo(3);

        admission.forget(List.of(P0));
        consumer.rebalance(List.of(P1));
        admission.finished("LINUX001");
        turn();

        assertThat(admission.waiting()).isZero();
        assertThat(started).containsExactlyInAnyOrder("LINUX001", "LINUX009", "LINUX008");
    }

    /**
     * With room for only some, the heads of one source (one master) start together, and once a source is being
     * copied, its next heads go before another source's: the clones of one master fan out. Values are SOURCE/USERID.
     */
    @Test
    void headsOfOneSourceStartTogetherAndJoinItsRunningCopies() {
        TopicPartition p2 = new TopicPartition(TOPIC, 2);
        TopicPartition p3 = new TopicPartition(TOPIC, 3);
        MockTopicConsumer<String, String> four = new MockTopicConsumer<>(TOPIC, 4);
        four.subscribe(List.of(TOPIC));
        four.rebalance(List.of(P0, P1, p2, p3));
        CopyAdmission<ConsumerRecord<String, String>> bySource = new CopyAdmission<>(2,
                record -> record.value().substring(0, record.value().indexOf('/')));
        four.append(P0, "k", "B/LINUX001");
        four.append(P1, "k", "A/LINUX002");
        four.append(p2, "k", "A/LINUX003");
        four.append(p3, "k", "B/LINUX004");
        four.append(P0, "k", "A/LINUX005");
        Runnable turn = () -> {
            for (ConsumerRecord<String, String> record : four.poll(Duration.ofMillis(10))) {
                bySource.enqueue(new TopicPartition(record.topic(), record.partition()), record);
            }
            bySource.admit((partition, request) -> {
                String userid = request.value().substring(2);
                if (!bySource.hasRoomFor(userid)) {
                    return Step.WAIT;
                }
                bySource.started(userid, request.value().substring(0, 1));
                started.add(request.value());
                return Step.TAKEN;
            });
        };

        turn.run();
        assertThat(started).as("source B's first head comes first, so B's heads start together")
                .containsExactly("B/LINUX001", "B/LINUX004");

        bySource.finished("LINUX001");
        turn.run();
        assertThat(started).as("no B head waits: A starts, its first head in partition order").endsWith("A/LINUX005");

        bySource.finished("LINUX004");
        turn.run();
        assertThat(started).endsWith("A/LINUX002");
        four.append(P0, "k", "C/LINUX006"); // ahead of A/LINUX003 in partition order
        bySource.finished("LINUX005");
        turn.run();
        assertThat(started).as("A's next head joins the running A copy before C starts").endsWith("A/LINUX003");
        assertThat(bySource.waiting()).isEqualTo(1);
    }
}
