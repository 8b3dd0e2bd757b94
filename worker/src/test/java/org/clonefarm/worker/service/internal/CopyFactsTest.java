package org.clonefarm.worker.service.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.proto.CloneCopied;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.CopyStarted;
import org.clonefarm.proto.RetryRequested;
import org.clonefarm.testsupport.MockTopicConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The worker's view of the events topic, on Kafka's MockConsumer: what a fence guarantees, and a view that stops. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CopyFactsTest {
    private static final String TOPIC = "events";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    private final MockTopicConsumer<String, byte[]> consumer = new MockTopicConsumer<>(TOPIC, 2);
    private final CopyFacts facts = new CopyFacts(TOPIC, () -> consumer, "test-copy-facts");

    @AfterEach
    void close() {
        facts.close();
    }

    private void append(TopicPartition partition, CloneEvent event) {
        consumer.append(partition, event.getUserid(), ContractCodec.encode(event));
    }

    private static CloneRequest request(int attempt) {
        return CloneRequest.newBuilder().setBatchId("web").setUserid("LINUX001").setAttempt(attempt).build();
    }

    /** After a fence, every fact written before it is in the view: who ended an attempt, which retries were asked. */
    @Test
    void fenceSeesEveryFactWrittenBeforeIt() throws Exception {
        facts.fence().get(5, TimeUnit.SECONDS);
        assertThat(facts.finishedBy(request(1))).isEmpty();

        append(P0, new EventFactory("w1").newEvent("web", "LINUX001", 1)
                .setCopyStarted(CopyStarted.getDefaultInstance()).build());
        append(P1, new EventFactory("w2").newEvent("web", "LINUX001", 1)
                .setCloneCopied(CloneCopied.newBuilder().setWorkerId("w2")).build());
        append(P0, new EventFactory("coordinator").newEvent("web", "LINUX001", 1)
                .setRetryRequested(RetryRequested.newBuilder().setNextAttempt(2)).build());
        facts.fence().get(5, TimeUnit.SECONDS);

        assertThat(facts.finishedBy(request(1))).as("the attempt w2 copied").contains("w2");
        assertThat(facts.finishedBy(request(2))).as("the retry is not over").isEmpty();
        assertThat(facts.requested("web", "LINUX001", 2)).isTrue();
        assertThat(facts.requested("web", "LINUX001", 3)).isFalse();
    }

    /** A view that stops on an error fails its fences and says why: the worker must not judge requests without it. */
    @Test
    void viewThatStopsFailsItsFences() {
        consumer.setPollException(new KafkaException("not authorized to read events"));

        await().atMost(Duration.ofSeconds(10)).until(() -> facts.stopped().isCompletedExceptionally());
        assertThatThrownBy(() -> facts.fence().get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("not authorized to read events");
    }
}
