package org.clonefarm.cli.bench;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.clonefarm.coordinator.commands.BatchCommands;
import org.clonefarm.coordinator.http.ApiToken;
import org.clonefarm.coordinator.http.CoordinatorHttpServer;
import org.clonefarm.coordinator.http.EventHub;
import org.clonefarm.coordinator.http.HttpSettings;
import org.clonefarm.coordinator.metrics.CoordinatorMetrics;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.state.FoldOutcome;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.platform.layout.CloneLayout.Role;
import org.clonefarm.proto.AgentStarted;
import org.clonefarm.proto.BatchPlanned;
import org.clonefarm.proto.CloneCopied;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.ClonePlanned;
import org.clonefarm.proto.Configured;
import org.clonefarm.proto.CopyProgress;
import org.clonefarm.proto.CopyStarted;
import org.clonefarm.proto.DiskCopied;
import org.clonefarm.proto.GuestStartRequested;
import org.clonefarm.proto.Ready;
import org.clonefarm.proto.Rebooting;

/**
 * Benchmark of what watching costs the fold (bench/observability): the same in-memory events folded
 * into a {@link CloneStateStore} alone (the baseline) and with the {@link EventHub} and
 * {@link CoordinatorMetrics} listening while SSE clients stream every event over HTTP. Prints
 * {@code name=value} lines: both fold rates, their ratio, and what the SSE clients received or how
 * many were dropped as slow (the hub never waits for them).
 */
public final class ObservabilityBench {

    private ObservabilityBench() {
    }

    public static void main(String[] args) throws Exception {
        int clones = 4000;
        int progress = 45;
        int sseClients = 4;
        int pacedRate = 5000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--clones" -> clones = Integer.parseInt(args[++i]);
                case "--sse-clients" -> sseClients = Integer.parseInt(args[++i]);
                case "--paced-rate" -> pacedRate = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; use --clones N --sse-clients N --paced-rate EVENTS_PER_S");
            }
        }
        List<CloneEvent> events = lives(clones, progress);
        System.out.println("events=" + events.size());
        System.out.println("sse_clients=" + sseClients);
        Vertx vertx = Vertx.vertx();
        try {
            double baseline = 0;
            double observed = 0;
            int dropped = 0;
            for (int round = 0; round < 3; round++) { // interleaved, so both get the same JIT warmth
                baseline = Math.max(baseline, foldAlone(events));
                Observed run = foldObserved(vertx, events, sseClients, 0);
                if (run.rate > observed) {
                    observed = run.rate;
                    dropped = run.dropped;
                }
            }
            System.out.printf("fold_alone_events_per_s=%.0f%n", baseline);
            System.out.printf("fold_observed_events_per_s=%.0f%n", observed);
            System.out.printf("fold_observed_ratio_vs_alone=%.2f%n", observed / baseline);
            System.out.println("sse_clients_dropped_at_full_speed=" + dropped);
            int paced = Math.min(events.size(), pacedRate * 3);
            Observed steady = foldObserved(vertx, events.subList(0, paced), sseClients, pacedRate);
            System.out.println("paced_events_per_s=" + pacedRate);
            System.out.printf("paced_sse_delivered_ratio=%.3f%n", steady.delivered / ((double) paced * sseClients));
            System.out.println("paced_sse_clients_dropped=" + steady.dropped);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }


    private record Observed(double rate, long delivered, int dropped) {
    }

    private static double foldAlone(List<CloneEvent> events) {
        CloneStateStore store = new CloneStateStore();
        long t = System.nanoTime();
        for (CloneEvent event : events) {
            store.apply(event);
        }
        return events.size() / seconds(t);
    }

    /** Folds with hub and metrics and {@code clients} SSE clients; {@code pace} events/s, 0 = full speed. */
    private static Observed foldObserved(Vertx vertx, List<CloneEvent> events, int clients, int pace) throws Exception {
        CloneStateStore store = new CloneStateStore();
        EventHub hub = new EventHub(store);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CoordinatorMetrics metrics = new CoordinatorMetrics(registry, store);
        ApiToken token = ApiToken.of("bench-token-0123456789");
        CoordinatorHttpServer server = CoordinatorHttpServer.start(vertx, HttpSettings.loopback(token), hub,
                new NoCommands(), registry).get(30, TimeUnit.SECONDS);
        List<SseCounter> counters = new ArrayList<>();
        try {
            for (int c = 0; c < clients; c++) {
                counters.add(SseCounter.open(server.port(), token.reveal()));
            }
            while (hub.subscriberCount() < clients) {
                Thread.sleep(10);
            }
            long t = System.nanoTime();
            int folded = 0;
            for (CloneEvent event : events) {
                FoldOutcome outcome = store.apply(event);
                hub.onFolded(event, outcome, true);
                metrics.onFolded(event, outcome, true);
                if (pace > 0 && ++folded % 200 == 0) {
                    long due = t + (long) (folded * 1e9 / pace);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
            }
            double rate = events.size() / seconds(t);
            registry.scrape(); // the gauges read the store as a scrape would
            long lastSeq = hub.lastSeq();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline
                    && counters.stream().anyMatch(counter -> !counter.ended() && counter.lastSeq() < lastSeq)) {
                Thread.sleep(20);
            }
            return new Observed(rate, counters.stream().mapToLong(SseCounter::received).sum(),
                    (int) counters.stream().filter(SseCounter::ended).count());
        } finally {
            for (SseCounter counter : counters) {
                counter.close();
            }
            server.close();
        }
    }

    private static List<CloneEvent> lives(int clones, int progress) {
        EventFactory factory = new EventFactory("bench");
        long total = 2L * 1024 * 1024 * 1024;
        List<CloneEvent> events = new ArrayList<>();
        List<String> userids = new ArrayList<>();
        for (int c = 0; c < clones; c++) {
            userids.add(String.format("OB%06d", c));
        }
        events.add(factory.newEvent("bench", "", 0).setBatchPlanned(BatchPlanned.newBuilder().setClones(clones)
                .setBytesTotal(total * clones)).build());
        int steps = progress + 9;
        for (int step = 0; step < steps; step++) {
            for (String u : userids) {
                CloneEvent.Builder e = factory.newEvent("bench", u, step < progress + 4 ? 1 : 0);
                int p = step - 2;
                if (step == 0) {
                    e.setClonePlanned(ClonePlanned.newBuilder().setBytesTotal(total));
                } else if (step == 1) {
                    e.setCopyStarted(CopyStarted.newBuilder().setWorkerId("w").setBytesTotal(total));
                } else if (p < progress) {
                    e.setCopyProgress(CopyProgress.newBuilder().setVaddr(Role.ROOT.vaddr().value()).setBytesDone(total * (p + 1) / (progress + 1)));
                } else {
                    switch (p - progress) {
                        case 0 -> e.setDiskCopied(DiskCopied.newBuilder().setVaddr(Role.ROOT.vaddr().value()).setBytesTotal(total));
                        case 1 -> e.setCloneCopied(CloneCopied.newBuilder().setBytesTotal(total));
                        case 2 -> e.setGuestStartRequested(GuestStartRequested.getDefaultInstance());
                        case 3 -> e.setAgentStarted(AgentStarted.newBuilder().setMode("finalize").setBoot(1));
                        case 4 -> e.setConfigured(Configured.newBuilder().setDistribution("sles"));
                        case 5 -> e.setRebooting(Rebooting.getDefaultInstance());
                        default -> e.setReady(Ready.newBuilder().setBoot(2));
                    }
                }
                events.add(e.build());
            }
        }
        return events;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    /** One SSE client on a thread of its own, counting messages and remembering the last sequence. */
    private static final class SseCounter implements AutoCloseable {
        private final InputStream body;
        private final AtomicLong received = new AtomicLong();
        private final AtomicLong lastSeq = new AtomicLong();
        private final Thread reader;
        private volatile boolean ended;

        private SseCounter(InputStream body) {
            this.body = body;
            this.reader = new Thread(this::read, "sse-bench-client");
            reader.setDaemon(true);
            reader.start();
        }

        static SseCounter open(int port, String token) throws Exception {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/events"))
                    .header("Authorization", "Bearer " + token).build();
            HttpResponse<InputStream> response = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofInputStream());
            return new SseCounter(response.body());
        }

        private void read() {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("id: ")) {
                        received.incrementAndGet();
                        lastSeq.set(Long.parseLong(line.substring(line.lastIndexOf('-') + 1)));
                    }
                }
            } catch (java.io.IOException e) {
                // closed by close() or by the server
            }
            ended = true;
        }

        long received() {
            return received.get();
        }

        long lastSeq() {
            return lastSeq.get();
        }

        boolean ended() {
            return ended;
        }

        @Override
        public void close() throws Exception {
            body.close();
            reader.join(5000);
        }
    }

    /** The bench submits nothing. */
    private static final class NoCommands implements BatchCommands {
        @Override
        public CompletableFuture<Submitted> submit(String specYaml) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("bench"));
        }

        @Override
        public CompletableFuture<List<String>> retry(String batchId, List<String> userids) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("bench"));
        }

        @Override
        public CompletableFuture<List<String>> cancel(String batchId, List<String> userids) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("bench"));
        }
    }
}
