package org.clonefarm.worker.service;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.worker.copy.CheckpointStore;
import org.clonefarm.worker.copy.CopyEngine;
import org.clonefarm.worker.copy.CopyException;
import org.clonefarm.worker.disk.DiskAccessException;
import org.clonefarm.worker.disk.MinidiskAccess;
import org.clonefarm.worker.service.internal.PollLoop;
import org.clonefarm.worker.service.internal.WorkerHttpServer;
import org.clonefarm.worker.service.internal.WorkerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One clonefarm worker: a member of the workers' consumer group that copies the clones of the requests
 * on its partitions and publishes their events, with {@code /health} and {@code /metrics} over HTTP.
 *
 * <pre>{@code
 * try (WorkerService worker = WorkerService.start(WorkerConfig.of("w1", dataDir, kafka, topics, 0))) {
 *     ... // copies until closed
 * }
 * }</pre>
 *
 * <p>Threads: the worker is a Vert.x verticle on its own {@link Vertx}. The verticle's start runs the
 * HTTP server on its event loop and starts the consumer loop on a <em>dedicated thread</em> (not a
 * worker-pool thread: {@code poll} blocks for the worker's whole life, which Vert.x would report as a
 * blocked worker thread, and the consumer must be touched by one thread only). Copies run on the copy
 * engine's threads, admitted at most {@code maxClones} clones at a time; events are sent by one
 * producer ({@code acks=all}, idempotent).
 *
 * <p>Minidisks are reached through a {@link MinidiskAccess} ({@link DiskAccessFactory}: volume images by
 * default, CP LINK on z/VM); blocking disk steps run on a pool of daemon threads of their own.
 *
 * <p>Durability order: a request's offset is committed only after its final events (every {@code
 * DiskCopied} and {@code CloneCopied}, or {@code CopyFailed}) were acknowledged by the broker, and those
 * follow the checkpoints of every byte they claim.
 *
 * <p>Thread-safe. {@link #close()} stops taking work, stops the copies at a checkpoint, commits what
 * finished, leaves the group and releases everything, in well under 15 s.
 */
public final class WorkerService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerService.class);
    private static final long STOP_TIMEOUT_MILLIS = 14_000;

    private final WorkerConfig config;
    private final Vertx vertx;
    private final CheckpointStore store;
    private final MinidiskAccess access;
    private final ExecutorService diskExecutor;
    private final CopyEngine engine;
    private final Producer<String, byte[]> producer;
    private final PrometheusMeterRegistry registry;
    private final PollLoop loop;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile int httpPort = -1;
    private String deploymentId;
    private boolean closed;

    private WorkerService(WorkerConfig config, CheckpointStore store, MinidiskAccess access, FarmKey farmKey) {
        this.config = config;
        this.store = store;
        this.access = access;
        this.diskExecutor = Executors.newCachedThreadPool(new DiskThreads(config.workerId()));
        this.engine = new CopyEngine(store);
        this.producer = new KafkaProducer<>(config.kafka().producer(config.workerId()));
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PollLoop[] holder = new PollLoop[1];
        WorkerMetrics metrics = new WorkerMetrics(registry, config.workerId(),
                () -> holder[0] == null ? -1 : holder[0].consumerLag());
        EventPublisher publisher = new EventPublisher(producer, config.topics(), new EventFactory(config.workerId()));
        this.loop = new PollLoop(config, () -> new KafkaConsumer<>(requestConsumerSettings(config)),
                () -> new KafkaConsumer<>(config.kafka().consumer(config.workerId() + "-copy-facts", null)),
                producer, publisher, engine, store, access, diskExecutor, metrics, farmKey);
        holder[0] = loop;
        this.vertx = Vertx.vertx();
    }

    /**
     * The requests consumer's settings: the workers' group with the cooperative-sticky assignor (a joining
     * or leaving worker moves only the partitions that change owner) and a session timeout of 10 s unless
     * the client file sets one (a dead worker's partitions move within it).
     */
    private static Map<String, Object> requestConsumerSettings(WorkerConfig config) {
        Map<String, Object> settings = config.kafka().consumer(config.workerId(), config.groupId());
        settings.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        settings.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        settings.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        settings.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000);
        return settings;
    }

    /**
     * Starts a worker and returns once its HTTP server listens and its consumer loop runs (it joins the
     * group in the background: see {@link #assignedOnce()}).
     *
     * @throws WorkerStartException when the farm key cannot be read, or the checkpoint store or the HTTP
     *     port is taken
     */
    public static WorkerService start(WorkerConfig config) {
        return start(config, DiskAccessFactory.fromConfig());
    }

    /**
     * Starts a worker that reaches minidisks through the access {@code disks} builds (on z/VM: {@link
     * DiskAccessFactory#cp}); what a previous run of this worker left attached is released first.
     *
     * @throws WorkerStartException as {@link #start(WorkerConfig)}, and when the access cannot be built or
     *     the leftovers of a previous run cannot be released
     */
    public static WorkerService start(WorkerConfig config, DiskAccessFactory disks) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(disks, "disks");
        FarmKey farmKey;
        try {
            farmKey = FarmKey.load(config.farmKeyFile());
        } catch (FarmKey.FarmKeyException e) {
            throw new WorkerStartException("worker " + config.workerId() + " cannot check clone requests: "
                    + e.getMessage(), e);
        }
        CheckpointStore store;
        try {
            store = CheckpointStore.open(config.checkpointDirectory());
        } catch (CopyException e) {
            throw new WorkerStartException("worker " + config.workerId() + " cannot open its checkpoints in "
                    + config.checkpointDirectory() + ": " + e.getMessage()
                    + " (is another worker with the same --id running on this data directory?)", e);
        }
        MinidiskAccess access;
        try {
            access = disks.open(config);
        } catch (DiskAccessException | RuntimeException e) {
            store.close();
            throw new WorkerStartException("worker " + config.workerId() + " cannot reach minidisks: " + e.getMessage(), e);
        }
        try {
            access.reconcile();
        } catch (DiskAccessException | RuntimeException e) {
            access.close();
            store.close();
            throw new WorkerStartException("worker " + config.workerId() + " cannot release what its previous run left"
                    + " attached: " + e.getMessage(), e);
        }
        WorkerService service;
        try {
            service = new WorkerService(config, store, access, farmKey);
        } catch (RuntimeException e) {
            access.close();
            store.close();
            throw new WorkerStartException("worker " + config.workerId() + " cannot start: " + e.getMessage(), e);
        }
        try {
            service.deploymentId = service.vertx.deployVerticle(service.new WorkerVerticle())
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            service.close();
            throw new WorkerStartException("worker " + config.workerId() + " cannot start"
                    + (config.httpPort() >= 0 ? " its HTTP server on port " + config.httpPort() : "") + ": " + cause, cause);
        }
        LOG.info("worker {} started (group {}, up to {} clones at once, HTTP port {})", config.workerId(),
                config.groupId(), config.maxClones(), service.httpPort);
        return service;
    }

    public String workerId() {
        return config.workerId();
    }

    /** The HTTP port of {@code /health} and {@code /metrics}, or -1 without HTTP. */
    public int httpPort() {
        return httpPort;
    }

    /** The worker's meters (also served at {@code /metrics}). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Completes when the group first assigned partitions (possibly none) to this worker. */
    public CompletableFuture<Void> assignedOnce() {
        return loop.assignedOnce();
    }

    /** Completes when the consumer loop has ended (after {@link #close()} or a fatal Kafka error). */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    /**
     * Stops the worker: no new copies, running copies stop at a checkpoint, finished requests are
     * committed, the consumer leaves the group, then the producer, engine, checkpoint store and Vert.x
     * close. Idempotent; waits at most about 14 s.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.info("worker {} closing", config.workerId());
        try {
            Future<Void> undeploy = deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId);
            undeploy.toCompletionStage().toCompletableFuture().get(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("worker {} did not stop cleanly: {}", config.workerId(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            loop.stop();
            producer.close(java.time.Duration.ofSeconds(5));
            access.close(); // after the jobs released their disks: what is left is a job's that did not stop
            diskExecutor.shutdown();
            engine.close();
            store.close();
            vertx.close();
            registry.close();
        }
    }

    private static final class DiskThreads implements ThreadFactory {
        private final String workerId;
        private final AtomicInteger threads = new AtomicInteger();

        DiskThreads(String workerId) {
            this.workerId = workerId;
        }

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "clonefarm-worker-" + workerId + "-disk-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }

    /**
     * The worker as a verticle: start runs the HTTP server and the consumer thread; stop asks the loop to
     * stop and completes when its thread has ended. Vert.x calls these; do not call them yourself.
     */
    private final class WorkerVerticle extends VerticleBase {
        private WorkerHttpServer http;
        private Thread thread;

        @Override
        public Future<?> start() {
            Future<Integer> listening;
            if (config.httpPort() >= 0) {
                http = new WorkerHttpServer(vertx, registry, loop::isPolling);
                listening = http.listen("0.0.0.0", config.httpPort());
            } else {
                listening = Future.succeededFuture(-1);
            }
            return listening.map(port -> {
                httpPort = port;
                thread = new Thread(this::runLoop, "clonefarm-worker-" + config.workerId() + "-poll");
                thread.setDaemon(true);
                thread.start();
                return null;
            });
        }

        private void runLoop() {
            try {
                loop.run();
                stopped.complete(null);
            } catch (RuntimeException | Error e) {
                stopped.completeExceptionally(e);
            }
        }

        @Override
        public Future<?> stop() {
            loop.stop();
            Promise<Void> done = Promise.promise();
            stopped.whenComplete((ok, error) -> done.tryComplete());
            Future<Void> httpClosed = http == null ? Future.succeededFuture() : http.close();
            return Future.all(done.future(), httpClosed);
        }
    }
}
