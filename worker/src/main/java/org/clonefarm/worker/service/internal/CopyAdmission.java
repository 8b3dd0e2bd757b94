package org.clonefarm.worker.service.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Which of the requests taken may start copying now. Requests wait in one backlog per partition, in
 * offset order; the heads are offered round-robin over the partitions; at most {@code maxCopies} copies
 * run at once, and one per userid (two attempts of a clone write the same target). A head that must wait
 * holds back its partition's later requests, so a partition's requests start in offset order.
 *
 * <p>Heads are grouped by source (the master disks they copy, {@code sourceOf}): in each round, heads whose source
 * is being copied here already go first, then the others, one source after another in the order their first head
 * comes. So when there is room for only some, the clones of one master start together and join one fan-out of the
 * copy engine (each master chunk read once for all of them, {@code CopyEngine}) instead of one copy of each of
 * several masters. A partition's requests still start in offset order, and the heads of other sources start with
 * whatever room is left in the same round.
 *
 * <p>A partition with a backlog is {@linkplain Consumer#pause paused}: polling goes on (the group keeps
 * this worker) but nothing more is fetched there; it is resumed once its backlog is empty. So a worker
 * holds at most what one poll fetched per partition beyond the copies it runs.
 *
 * <p>Not thread-safe: the poll-loop thread only.
 *
 * @param <T> a request taken from a partition
 */
final class CopyAdmission<T> {

    /** What becomes of a backlog's head when it is offered. */
    enum Step {
        /** It stays at the head, and its partition waits (no room, its userid busy, not verified yet). */
        WAIT,
        /** It leaves the backlog: started, joined to a running copy, or finished without a copy. */
        TAKEN
    }

    /** Decides about a backlog's head; called by {@link #admit} on the poll-loop thread. */
    @FunctionalInterface
    interface Judge<T> {
        Step judge(TopicPartition partition, T head);
    }

    private final int maxCopies;
    private final Function<T, String> sourceOf;
    private final Map<TopicPartition, Deque<T>> backlog = new LinkedHashMap<>();
    /** The userids being copied, with the source each copies. */
    private final Map<String, String> copying = new HashMap<>();

    /** Admission without grouping by source. */
    CopyAdmission(int maxCopies) {
        this(maxCopies, request -> "");
    }

    /**
     * @param sourceOf the source a request copies (its master disks): requests with equal sources start together
     */
    CopyAdmission(int maxCopies, Function<T, String> sourceOf) {
        if (maxCopies < 1) {
            throw new IllegalArgumentException("maxCopies " + maxCopies + " must be at least 1");
        }
        this.maxCopies = maxCopies;
        this.sourceOf = Objects.requireNonNull(sourceOf, "sourceOf");
    }

    /** A request taken from {@code partition}, behind the partition's earlier ones. */
    void enqueue(TopicPartition partition, T request) {
        backlog.computeIfAbsent(partition, p -> new ArrayDeque<>()).addLast(request);
    }

    /** A request to copy again (its copy asked for a redelivery), ahead of the partition's waiting ones. */
    void requeue(TopicPartition partition, T request) {
        backlog.computeIfAbsent(partition, p -> new ArrayDeque<>()).addFirst(request);
    }

    /** Whether a copy of {@code userid} may start now: fewer than {@code maxCopies} run, none of this userid. */
    boolean hasRoomFor(String userid) {
        return copying.size() < maxCopies && !copying.containsKey(userid);
    }

    /** A copy of {@code userid} started: it holds a place until {@link #finished}. */
    void started(String userid) {
        started(userid, "");
    }

    /** A copy of {@code userid} from {@code source} started: it holds a place until {@link #finished}. */
    void started(String userid, String source) {
        if (!hasRoomFor(userid)) {
            throw new IllegalStateException("no room for a copy of " + userid + ": copying " + copying.keySet()
                    + " (at most " + maxCopies + ")");
        }
        copying.put(userid, source == null ? "" : source);
    }

    /** The copy of {@code userid} ended (finished, failed or cancelled): its place is free. */
    void finished(String userid) {
        copying.remove(userid);
    }

    /** Copies running. */
    int copying() {
        return copying.size();
    }

    /** Requests waiting in the backlogs. */
    int waiting() {
        int count = 0;
        for (Deque<T> queue : backlog.values()) {
            count += queue.size();
        }
        return count;
    }

    /**
     * Offers the backlogs' heads to {@code judge}, one per partition per round, until a round takes none;
     * a head the judge takes leaves its backlog.
     */
    void admit(Judge<T> judge) {
        boolean progress = true;
        while (progress) {
            progress = false;
            for (TopicPartition partition : headsBySource()) {
                Deque<T> queue = backlog.get(partition);
                T head = queue.peekFirst();
                if (judge.judge(partition, head) == Step.TAKEN) {
                    queue.pollFirst();
                    progress = true;
                }
            }
        }
    }

    /**
     * The partitions with a head, in the order of one round: heads of sources being copied first, then by source in
     * the order of each source's first head; within a source, partition order.
     */
    private List<TopicPartition> headsBySource() {
        Set<String> running = new HashSet<>(copying.values());
        Map<String, List<TopicPartition>> bySource = new LinkedHashMap<>();
        Map<String, List<TopicPartition>> others = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, Deque<T>> entry : backlog.entrySet()) {
            T head = entry.getValue().peekFirst();
            if (head != null) {
                String source = sourceOf.apply(head);
                (running.contains(source) ? bySource : others).computeIfAbsent(source, s -> new ArrayList<>())
                        .add(entry.getKey());
            }
        }
        List<TopicPartition> order = new ArrayList<>();
        bySource.values().forEach(order::addAll);
        others.values().forEach(order::addAll);
        return order;
    }

    /** Pauses the assigned partitions that have a backlog and resumes those that have none any more. */
    void pauseOrResume(Consumer<?, ?> consumer) {
        Set<TopicPartition> paused = consumer.paused();
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        for (TopicPartition partition : consumer.assignment()) {
            Deque<T> queue = backlog.get(partition);
            boolean busy = queue != null && !queue.isEmpty();
            if (busy && !paused.contains(partition)) {
                pause.add(partition);
            } else if (!busy && paused.contains(partition)) {
                resume.add(partition);
            }
        }
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
    }

    /**
     * Drops the backlogs of revoked or lost partitions: their next owner gets those requests again. The
     * places of their running copies are freed by {@link #finished} when the copies end.
     */
    void forget(Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            backlog.remove(partition);
        }
    }
}
