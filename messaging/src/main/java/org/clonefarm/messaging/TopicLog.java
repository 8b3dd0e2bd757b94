package org.clonefarm.messaging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A topic read as a log: every partition assigned (no consumer group, nothing committed), read from its
 * beginning to the end offsets it had at start, reported once as caught up, then followed. The one
 * "read a topic to its end, then follow it" of clonefarm (in the spirit of Kafka Connect's
 * {@code KafkaBasedLog}): the coordinator's fold, the worker's view of finished copies and the one-shot
 * snapshots ({@link #readOnce}, {@link TopicSnapshot}) are built on it.
 *
 * <p><b>Caught up</b> means the consumer's position in every partition has reached the end offset that
 * partition had when the log started, after the handler was given every record below it. The end offsets
 * are the consumer's for its isolation level: with {@code read_committed} (the default of {@link
 * KafkaSettings#consumer}) the last stable offset, so a transaction still open at start does not hold the
 * catch-up back (its records, once committed, are followed live), and records of aborted transactions and
 * transaction markers, which the consumer never hands over, are passed over by the position, not awaited.
 * A partition that is empty at start (end offset = beginning offset) is caught up at once; a topic whose
 * partitions are all empty is caught up before any record. {@link #readToEnd()} asks the same question
 * for the end offsets of the moment it is processed.
 *
 * <p><b>Threads.</b> {@link #start()} runs the log on a thread of its own: the only thread that creates,
 * touches and closes the consumer, and the only one that calls the {@link Handler}, in offset order within
 * a partition. The futures are completed on that thread, so stages attached to them without an executor
 * before they complete run there, before the next record is handed over (stages attached later run on the
 * attaching thread). {@link #readToEnd()}, {@link #lag()}, {@link #stopped()}
 * and {@link #close()} may be called from any thread.
 *
 * <p><b>Errors.</b> Retriable consumer errors (a {@link RetriableException}, such as a {@link
 * TimeoutException} while the brokers cannot be reached) are logged and retried with the same consumer,
 * so no record is handed over twice; a topic that does not exist yet is waited for. Any other error,
 * and any exception the handler throws, stops the log: the consumer is closed, and {@link #stopped()},
 * the caught-up future (if it has not completed) and every pending {@link #readToEnd()} fail with it (a
 * handler's exception wrapped in a {@link HandlerException} that names the record). Nothing is swallowed.
 *
 * <p><b>Close.</b> {@link #close()} wakes the consumer and waits for the thread; once it returns the
 * handler is not called any more, the consumer is closed, {@link #stopped()} has completed, and the
 * futures still pending fail with an {@link IllegalStateException}.
 *
 * @param <K> record key type
 * @param <V> record value type
 */
public final class TopicLog<K, V> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopicLog.class);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final long RETRY_MILLIS = 1_000;
    private static final long CLOSE_WAIT_MILLIS = 30_000;

    /** What the log hands its records to; called on the log's thread only, and must not block for long. */
    public interface Handler<K, V> {
        /**
         * One record, in offset order within its partition.
         *
         * @param live false for a record below the end offset its partition had at start (the replay),
         *     true for one at or beyond it
         */
        void onRecord(ConsumerRecord<K, V> record, boolean live);

        /**
         * Called after the records of each poll were handed over (also after an empty poll, so at least
         * every 50 ms): for work batched over records, such as coalesced publishing.
         *
         * @param caughtUp whether the log has caught up
         */
        default void afterPoll(boolean caughtUp) {
        }
    }

    /** A handler's exception, with the record it was handling. */
    public static final class HandlerException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HandlerException(ConsumerRecord<?, ?> record, RuntimeException cause) {
            super("handling " + record.topic() + "-" + record.partition() + "@" + record.offset() + " failed: " + cause,
                    cause);
        }
    }

    private final String name;
    private final String topic;
    private final Supplier<? extends Consumer<K, V>> consumers;
    private final Handler<K, V> handler;
    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> endRequests = new ConcurrentLinkedQueue<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile Consumer<K, V> consumer;
    private volatile long lag = -1;
    private Thread thread;

    /** Pending {@link #readToEnd()} calls waiting for the log to reach these end offsets. */
    private record EndRequest(Map<TopicPartition, Long> endOffsets, List<CompletableFuture<Void>> waiters) {
    }

    /**
     * A log of {@code topic}; nothing happens before {@link #start()}.
     *
     * @param name names the thread ({@code clonefarm-<name>}) and the log lines
     * @param consumers makes the consumer, called once on the log's thread; the log owns and closes it. It
     *     must not be in a consumer group (the log assigns partitions itself) and needs no committed offsets.
     */
    public TopicLog(String name, String topic, Supplier<? extends Consumer<K, V>> consumers, Handler<K, V> handler) {
        this.name = Objects.requireNonNull(name, "name");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /**
     * Starts reading on a thread of its own.
     *
     * @return completes once the log has caught up (see the class comment); fails if it stops before
     * @throws IllegalStateException when started twice or after {@link #close()}
     */
    public synchronized CompletableFuture<Void> start() {
        if (thread != null || closing.getCount() == 0) {
            throw new IllegalStateException("topic log " + name + " was already started or closed");
        }
        thread = new Thread(this::run, "clonefarm-" + name);
        thread.setDaemon(true);
        thread.start();
        return caughtUp;
    }

    /**
     * Completes once the handler has been given every record below the end offsets the topic has when
     * the log's thread takes up this call (so every record acknowledged before the call, and committed
     * when the consumer reads committed records only). Fails when the log stops first.
     */
    public CompletableFuture<Void> readToEnd() {
        CompletableFuture<Void> request = new CompletableFuture<>();
        endRequests.add(request);
        if (stopped.isDone()) { // the thread may have failed the queue before this call added to it
            failPending(stopReason());
        }
        return request;
    }

    /** Records of the topic behind the log's position, from the consumer's last fetch; -1 while unknown. */
    public long lag() {
        return lag;
    }

    /** Completes when the log's thread has ended: normally after {@link #close()}, exceptionally on an error. */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    @Override
    public String toString() {
        return "TopicLog[" + name + ", " + topic + "]";
    }

    /**
     * Stops the log and waits (up to 30 s) for its thread; see the class comment. Idempotent. Called from
     * the handler, it stops the log after the current record without waiting.
     */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closing.countDown();
            t = thread;
        }
        Consumer<K, V> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        if (t == null) {
            finish(null);
            return;
        }
        if (t == Thread.currentThread()) {
            return;
        }
        try {
            t.join(CLOSE_WAIT_MILLIS);
            if (t.isAlive()) {
                LOG.warn("{}: the thread reading {} did not stop within {} ms", name, topic, CLOSE_WAIT_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean isClosing() {
        return closing.getCount() == 0;
    }

    private void run() {
        Throwable failure = null;
        try (Consumer<K, V> kafka = consumers.get()) {
            consumer = kafka;
            if (!isClosing()) {
                follow(kafka);
            }
        } catch (WakeupException e) {
            if (!isClosing()) {
                failure = e;
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            consumer = null;
        }
        if (failure != null) {
            LOG.error("{}: reading {} stopped: {}", name, topic, failure.toString(), failure);
        }
        finish(failure);
    }

    private void follow(Consumer<K, V> kafka) {
        List<TopicPartition> partitions = retrying("find the partitions", () -> partitionsOf(kafka, topic, null));
        if (partitions == null) {
            return; // closed while waiting
        }
        kafka.assign(partitions);
        kafka.seekToBeginning(partitions);
        Map<TopicPartition, Long> endAtStart = retrying("read the end offsets", () -> kafka.endOffsets(partitions));
        if (endAtStart == null) {
            return;
        }
        LOG.debug("{}: reading {} to its end offsets at start {}", name, topic, endAtStart);
        List<EndRequest> waiting = new ArrayList<>();
        boolean live = false;
        while (!isClosing()) {
            try {
                ConsumerRecords<K, V> records = kafka.poll(POLL);
                for (ConsumerRecord<K, V> record : records) {
                    long end = endAtStart.get(new TopicPartition(record.topic(), record.partition()));
                    handle(record, record.offset() >= end);
                }
                if (!live && reached(kafka, endAtStart)) {
                    live = true;
                    caughtUp.complete(null);
                }
                takeEndRequests(kafka, partitions, waiting);
                for (Iterator<EndRequest> it = waiting.iterator(); it.hasNext(); ) {
                    EndRequest request = it.next();
                    if (reached(kafka, request.endOffsets)) {
                        request.waiters.forEach(w -> w.complete(null));
                        it.remove();
                    }
                }
                lag = lagOf(kafka, partitions);
                afterPoll(live);
            } catch (RetriableException e) {
                LOG.warn("{}: reading {}: {}; retrying", name, topic, e.toString());
            }
        }
        for (EndRequest request : waiting) {
            endRequests.addAll(request.waiters); // failed by finish() with the others
        }
    }

    private void handle(ConsumerRecord<K, V> record, boolean live) {
        try {
            handler.onRecord(record, live);
        } catch (RuntimeException e) {
            throw new HandlerException(record, e);
        }
    }

    private void afterPoll(boolean live) {
        try {
            handler.afterPoll(live);
        } catch (RuntimeException e) {
            throw new IllegalStateException("the handler of " + topic + " failed after a poll: " + e, e);
        }
    }

    /** One end-offsets call answers every {@link #readToEnd()} asked since the last turn. */
    private void takeEndRequests(Consumer<K, V> kafka, List<TopicPartition> partitions, List<EndRequest> waiting) {
        if (endRequests.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> end = kafka.endOffsets(partitions); // retriable errors: asked again next turn
        List<CompletableFuture<Void>> asked = new ArrayList<>();
        CompletableFuture<Void> request;
        while ((request = endRequests.poll()) != null) {
            asked.add(request);
        }
        waiting.add(new EndRequest(end, asked));
    }

    /** Calls {@code action} until it answers, retrying retriable errors every second; null when closed first. */
    private <T> T retrying(String what, java.util.concurrent.Callable<T> action) {
        boolean warned = false;
        while (!isClosing()) {
            try {
                T result = action.call();
                if (result != null) {
                    if (warned) {
                        LOG.info("{}: could {} of {} after all", name, what, topic);
                    }
                    return result;
                }
            } catch (RetriableException e) {
                if (!warned) {
                    LOG.warn("{}: cannot {} of {} yet ({}); retrying every {} ms", name, what, topic, e.toString(),
                            RETRY_MILLIS);
                    warned = true;
                }
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            try {
                if (closing.await(RETRY_MILLIS, TimeUnit.MILLISECONDS)) {
                    return null;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(name + " interrupted", e);
            }
        }
        return null;
    }

    private synchronized void finish(Throwable failure) {
        if (failure == null) {
            stopped.complete(null);
        } else {
            stopped.completeExceptionally(failure);
        }
        Throwable reason = stopReason();
        caughtUp.completeExceptionally(reason);
        failPending(reason);
    }

    private Throwable stopReason() {
        if (stopped.isCompletedExceptionally()) {
            try {
                stopped.join();
            } catch (java.util.concurrent.CompletionException e) {
                return e.getCause();
            }
        }
        return new IllegalStateException("topic log " + name + " of " + topic + " is closed");
    }

    private void failPending(Throwable reason) {
        CompletableFuture<Void> request;
        while ((request = endRequests.poll()) != null) {
            request.completeExceptionally(reason);
        }
    }

    /**
     * Reads {@code topic} once, on the calling thread, from its beginning to the end offsets it has now
     * (see the class comment for what the end is), handing each record below them to {@code each} in
     * offset order within a partition. A topic that does not exist reads as empty. The caller owns
     * {@code consumer} (not in a group) and closes it.
     *
     * @throws TimeoutException when the brokers cannot be reached, or the end not read, within {@code timeout}
     */
    public static <K, V> void readOnce(Consumer<K, V> consumer, String topic, Duration timeout,
            java.util.function.Consumer<? super ConsumerRecord<K, V>> each) {
        Objects.requireNonNull(each, "each");
        long deadline = System.nanoTime() + timeout.toNanos();
        List<TopicPartition> partitions = partitionsOf(consumer, topic, timeout);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, remaining(deadline));
        while (!reached(consumer, end)) {
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("reading " + topic + " to its end took longer than " + timeout.toSeconds()
                        + " s (" + recordsBelow(consumer, end) + " records left); is the Kafka cluster up?");
            }
            for (ConsumerRecord<K, V> record : consumer.poll(POLL)) {
                if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) {
                    each.accept(record);
                }
            }
        }
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    /**
     * The topic's partitions. A topic that does not exist: for a follower ({@code timeout} null) a retriable
     * error, so the log waits for it; for a one-shot read an empty list (nothing to read).
     */
    private static List<TopicPartition> partitionsOf(Consumer<?, ?> consumer, String topic, Duration timeout) {
        List<PartitionInfo> infos = timeout == null ? consumer.partitionsFor(topic) : consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            if (timeout == null) {
                throw new org.apache.kafka.common.errors.UnknownTopicOrPartitionException("topic " + topic
                        + " does not exist (not created yet?)");
            }
            return List.of();
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : infos) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        return partitions;
    }

    private static boolean reached(Consumer<?, ?> consumer, Map<TopicPartition, Long> endOffsets) {
        for (Map.Entry<TopicPartition, Long> end : endOffsets.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static long recordsBelow(Consumer<?, ?> consumer, Map<TopicPartition, Long> endOffsets) {
        long sum = 0;
        for (Map.Entry<TopicPartition, Long> end : endOffsets.entrySet()) {
            sum += Math.max(0, end.getValue() - consumer.position(end.getKey()));
        }
        return sum;
    }

    private static long lagOf(Consumer<?, ?> consumer, List<TopicPartition> partitions) {
        long sum = 0;
        for (TopicPartition partition : partitions) {
            OptionalLong partitionLag = consumer.currentLag(partition);
            if (partitionLag.isEmpty()) {
                return -1;
            }
            sum += partitionLag.getAsLong();
        }
        return sum;
    }
}
