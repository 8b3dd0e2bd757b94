package org.clonefarm.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.ClonePlanned;
import org.clonefarm.proto.CopyProgress;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The coordinator's HTTP API over a real broker: synthetic workers and agents publish clone lives to
 * the events topic, a real EventFolder folds them, and the API, SSE stream and metrics report them.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CoordinatorHttpApiTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static RunningApi api;

    @BeforeAll
    static void start() throws Exception {
        api = new RunningApi(KAFKA, "httpapi.", Duration.ofMillis(20));
    }

    @AfterAll
    static void stop() throws Exception {
        if (api != null) {
            api.close();
        }
    }

    private static JsonObject awaitAllReady(String batch, int clones) {
        JsonObject[] last = new JsonObject[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            HttpResponse<String> response = api.get("/api/batches/" + batch, RunningApi.TOKEN);
            assertThat(response.statusCode()).isEqualTo(200);
            last[0] = new JsonObject(response.body());
            assertThat(last[0].getJsonObject("counts").getInteger("READY", 0)).isEqualTo(clones);
        });
        return last[0];
    }

    /** Only /health answers without the token; a wrong token is refused like a missing one. */
    @Test
    void healthIsOpenButEveryApiCallNeedsTheBearerToken() throws Exception {
        assertThat(api.get("/health", null).statusCode()).isEqualTo(200);

        HttpResponse<String> missing = api.get("/api/batches", null);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(missing.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(new JsonObject(missing.body()).getInteger("status")).isEqualTo(401);

        assertThat(api.get("/api/batches", "test-token-wrong-0000").statusCode()).isEqualTo(401);
        assertThat(api.get("/metrics", null).statusCode()).isEqualTo(401);
        // the query-string token is for the event stream only
        assertThat(api.get("/api/batches?access_token=" + RunningApi.TOKEN, null).statusCode()).isEqualTo(401);
        assertThat(api.get("/api/batches", RunningApi.TOKEN).statusCode()).isEqualTo(200);
    }

    /** A submitted spec shows up with counts per state, bytes, the clone's step and its full history, and in the metrics. */
    @Test
    void submittedBatchIsReportedWithCountsBytesHistoryAndMetrics() throws Exception {
        HttpResponse<String> submitted = api.post("/api/batches", RunningApi.spec("report", "LNXR001-LNXR004", "10.1.1.21"),
                "application/yaml");
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
        assertThat(new JsonObject(submitted.body()).getInteger("clones")).isEqualTo(4);
        assertThat(submitted.headers().firstValue("Location")).hasValue("/api/batches/report");

        JsonObject batch = awaitAllReady("report", 4);
        assertThat(batch.getInteger("clones")).isEqualTo(4);
        assertThat(batch.getLong("bytesTotal")).isEqualTo(4 * SyntheticLifecycleCommands.DISK_BYTES);
        assertThat(batch.getLong("bytesDone")).isEqualTo(batch.getLong("bytesTotal"));
        assertThat(batch.getJsonArray("cloneStatuses")).hasSize(4);
        // copied within the last 30 s: a rate; all clones finished: no ETA
        assertThat(batch.getLong("rateBytesPerSecond")).isPositive();
        assertThat(batch.containsKey("etaSeconds")).isTrue();
        assertThat(batch.getValue("etaSeconds")).isNull();

        JsonObject clone = new JsonObject(api.get("/api/clones/lnxr002", RunningApi.TOKEN).body());
        assertThat(clone.getString("state")).isEqualTo("READY");
        assertThat(clone.getString("step")).isEqualTo("ready");
        assertThat(clone.getString("hostname")).isEqualTo("lnxr002.example.com");
        assertThat(clone.getString("ipaddr")).isEqualTo("10.1.1.22");
        List<String> facts = new ArrayList<>();
        for (Object event : clone.getJsonArray("history")) {
            facts.add(((JsonObject) event).getString("fact"));
        }
        assertThat(facts).first().isEqualTo("clone_planned");
        assertThat(facts).last().isEqualTo("ready");
        assertThat(facts).contains("copy_started", "disk_copied", "clone_copied", "configured", "rebooting")
                .doesNotContain("copy_progress");

        JsonArray batches = new JsonObject(api.get("/api/batches", RunningApi.TOKEN).body()).getJsonArray("batches");
        assertThat(batches.stream().map(b -> ((JsonObject) b).getString("batchId"))).contains("report");

        String metrics = api.get("/metrics", RunningApi.TOKEN).body();
        assertThat(metrics).contains("clonefarm_clones{state=\"READY\"}")
                .contains("clonefarm_events_total{fact=\"ready\",outcome=\"applied\"}")
                .contains("clonefarm_agent_step_seconds_count{step=\"configured\"}")
                .contains("clonefarm_fold_consumer_lag_records");
        HttpResponse<String> again = api.post("/api/batches", RunningApi.spec("report", "LNXR001-LNXR004", "10.1.1.21"),
                "application/yaml");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(again.body()).getBoolean("alreadySubmitted")).isTrue();

        HttpResponse<String> refreshed = api.post("/api/batches/report/refresh", "{\"userids\":[\"LNXR002\"]}",
                "application/json");
        assertThat(refreshed.statusCode()).isEqualTo(202);
        JsonObject refresh = new JsonObject(refreshed.body());
        assertThat(refresh.getJsonArray("refreshed").getList()).containsExactly("LNXR002");
        assertThat(refresh.getString("masterVersion")).isEqualTo("synthetic-v1");
    }

    /**
     * A finished batch's timeline: its throughput adds up to the batch's bytes, and each clone's steps last
     * from one of its facts to the next, by the facts' own times.
     */
    @Test
    void timelineAddsUpToTheBatchBytesAndItsStepsLastFromFactToFact() throws Exception {
        HttpResponse<String> submitted = api.post("/api/batches", RunningApi.spec("timeline", "LNXT001-LNXT003", "10.1.1.61"),
                "application/yaml");
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
        JsonObject batch = awaitAllReady("timeline", 3);
        JsonObject[] last = new JsonObject[1];
        // the hub takes each fact a moment after the store
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            HttpResponse<String> response = api.get("/api/batches/timeline/timeline", RunningApi.TOKEN);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            last[0] = new JsonObject(response.body());
            assertThat(last[0].getJsonObject("plannedToReady").getInteger("clones")).isEqualTo(3);
        });
        JsonObject timeline = last[0];
        assertThat(timeline.getString("batchId")).isEqualTo("timeline");

        JsonObject throughput = timeline.getJsonObject("throughput");
        assertThat(throughput.getLong("bytes")).isEqualTo(batch.getLong("bytesDone"))
                .isEqualTo(3 * SyntheticLifecycleCommands.DISK_BYTES);
        JsonArray points = throughput.getJsonArray("points");
        assertThat(points).isNotEmpty();
        long sum = 0;
        for (Object point : points) {
            sum += ((JsonObject) point).getLong("bytes");
        }
        assertThat(sum).isEqualTo(throughput.getLong("bytes"));
        assertThat(throughput.getLong("peakBytesPerSecond")).isPositive();

        List<String> steps = new ArrayList<>();
        for (Object step : timeline.getJsonArray("steps")) {
            JsonObject stats = (JsonObject) step;
            steps.add(stats.getString("step") + ":" + stats.getInteger("clones"));
        }
        assertThat(steps).containsExactly("queue:3", "copy:3", "start:3", "boot:3", "finalize:3", "reboot:3");
        // the synthetic workers report progress at least 300 ms apart, four times between copy start and copied
        assertThat(timeline.getJsonArray("steps").getJsonObject(1).getDouble("minSeconds")).isGreaterThanOrEqualTo(1.2);

        JsonObject clone = new JsonObject(api.get("/api/clones/LNXT002", RunningApi.TOKEN).body());
        java.util.Map<String, java.time.Instant> firstFact = new java.util.HashMap<>();
        for (Object event : clone.getJsonArray("history")) {
            JsonObject fact = (JsonObject) event;
            firstFact.putIfAbsent(fact.getString("fact"), java.time.Instant.parse(fact.getString("time")));
        }
        JsonObject steps002 = timeline.getJsonArray("clones").getJsonObject(1);
        assertThat(steps002.getString("userid")).isEqualTo("LNXT002");
        java.util.Map<String, Double> seconds = new java.util.LinkedHashMap<>();
        for (Object span : steps002.getJsonArray("spans")) {
            assertThat(((JsonObject) span).getBoolean("open")).isFalse();
            seconds.put(((JsonObject) span).getString("step"), ((JsonObject) span).getDouble("seconds"));
        }
        assertThat(seconds.keySet()).containsExactly("queue", "copy", "start", "boot", "finalize", "reboot");
        String[][] bounds = {{"queue", "clone_planned", "copy_started"}, {"copy", "copy_started", "clone_copied"},
            {"start", "clone_copied", "guest_started"}, {"boot", "guest_started", "agent_started"},
            {"finalize", "agent_started", "rebooting"}, {"reboot", "rebooting", "ready"}};
        for (String[] step : bounds) {
            double expected = Duration.between(firstFact.get(step[1]), firstFact.get(step[2])).toNanos() / 1e9;
            assertThat(seconds.get(step[0])).as("%s: %s to %s", step[0], step[1], step[2])
                    .isCloseTo(expected, org.assertj.core.api.Assertions.within(0.002));
        }
        assertThat(steps002.getDouble("plannedToReadySeconds")).isCloseTo(
                Duration.between(firstFact.get("clone_planned"), firstFact.get("ready")).toNanos() / 1e9,
                org.assertj.core.api.Assertions.within(0.002));

        // the rows of the first clones only, the distributions over all of them
        JsonObject first = new JsonObject(api.get("/api/batches/timeline/timeline?clones=1", RunningApi.TOKEN).body());
        assertThat(first.getInteger("cloneCount")).isEqualTo(3);
        assertThat(first.getJsonArray("clones")).hasSize(1);
        assertThat(first.getJsonArray("clones").getJsonObject(0).getString("userid")).isEqualTo("LNXT001");
        assertThat(first.getJsonArray("steps")).isEqualTo(timeline.getJsonArray("steps"));
        assertThat(api.get("/api/batches/timeline/timeline?clones=many", RunningApi.TOKEN).statusCode()).isEqualTo(400);

        assertThat(api.get("/api/batches/timeline/timeline", null).statusCode()).isEqualTo(401);
        HttpResponse<String> unknown = api.get("/api/batches/no-such-batch/timeline", RunningApi.TOKEN);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(unknown.body()).getString("detail")).contains("no-such-batch");
    }

    /** Bad input is answered with RFC 9457 problem details; a bad spec lists every problem with its place. */
    @Test
    void badInputIsAnsweredWithProblemDetails() throws Exception {
        HttpResponse<String> badSpec = api.post("/api/batches",
                RunningApi.spec("bad", "LINUX300-LINUX001", "10.1.1.999"), "application/yaml");
        assertThat(badSpec.statusCode()).isEqualTo(400);
        assertThat(badSpec.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonObject problem = new JsonObject(badSpec.body());
        assertThat(problem.getString("type")).isEqualTo("urn:clonefarm:problem:bad-spec");
        assertThat(problem.getString("title")).isNotBlank();
        assertThat(problem.getInteger("status")).isEqualTo(400);
        assertThat(problem.getJsonArray("problems").stream().map(p -> ((JsonObject) p).getString("place")))
                .contains("clones[0].range");

        HttpResponse<String> unknown = api.get("/api/batches/no-such-batch", RunningApi.TOKEN);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(unknown.body()).getString("detail")).contains("no-such-batch");
        assertThat(api.get("/api/clones/NOSUCH", RunningApi.TOKEN).statusCode()).isEqualTo(404);
        assertThat(api.post("/api/batches/no-such-batch/cancel", "", "application/json").statusCode()).isEqualTo(404);
        assertThat(api.post("/api/batches/x/retry", "{not json", "application/json").statusCode()).isEqualTo(400);
        assertThat(api.post("/api/batches/x/refresh", "{not json", "application/json").statusCode()).isEqualTo(400);
        assertThat(api.post("/api/batches/no-such-batch/refresh", "", "application/json").statusCode()).isEqualTo(404);
        assertThat(api.post("/api/batches", "  ", "application/yaml").statusCode()).isEqualTo(400);
        assertThat(api.get("/api/nothing-here", RunningApi.TOKEN).statusCode()).isEqualTo(404);
    }

    /** The event stream delivers a batch's facts live, and a reconnect with Last-Event-ID gets exactly what followed. */
    @Test
    void eventStreamDeliversLiveFactsAndResumesAfterLastEventId() throws Exception {
        List<String[]> live = new ArrayList<>(); // {id, event, data}
        try (SseReader stream = SseReader.open(api, "/api/events?batch=stream&access_token=" + RunningApi.TOKEN, null)) {
            HttpResponse<String> submitted = api.post("/api/batches", RunningApi.spec("stream", "LNXS001-LNXS003", "10.1.1.41"),
                    "application/yaml");
            assertThat(submitted.statusCode()).isEqualTo(201);
            int ready = 0;
            while (ready < 3) {
                String[] message = stream.next();
                live.add(message);
                JsonObject data = new JsonObject(message[2]);
                assertThat(data.getString("batchId")).isEqualTo("stream");
                if ("ready".equals(data.getString("fact"))) {
                    ready++;
                    assertThat(data.getJsonObject("status").getString("state")).isEqualTo("READY");
                }
            }
        }
        // batch_planned (keyed by no clone) may sit in another partition than the clones: its place varies
        assertThat(live).anySatisfy(message -> assertThat(message[1]).isEqualTo("batch"));
        assertThat(live.stream().filter(m -> m[2].contains("\"userid\":\"LNXS001\"")).findFirst().orElseThrow()[2])
                .contains("\"fact\":\"clone_planned\"");
        // 3 clones x 16 facts + batch planned before the last ready
        assertThat(live).hasSizeGreaterThanOrEqualTo(3 * 16 + 1);

        int cut = 20;
        try (SseReader resumed = SseReader.open(api, "/api/events?batch=stream&access_token=" + RunningApi.TOKEN,
                live.get(cut - 1)[0])) {
            for (int i = cut; i < live.size(); i++) {
                String[] message = resumed.next();
                assertThat(message[0]).as("event %d after resume", i).isEqualTo(live.get(i)[0]);
                assertThat(message[2]).isEqualTo(live.get(i)[2]);
            }
        }

        // a client filtering one clone sees only that clone
        try (SseReader one = SseReader.open(api, "/api/events?clone=lnxs002&access_token=" + RunningApi.TOKEN,
                live.get(0)[0])) {
            for (int i = 0; i < 16; i++) {
                assertThat(new JsonObject(one.next()[2]).getString("userid")).isEqualTo("LNXS002");
            }
        }
    }

    /**
     * A client that stops reading is dropped (told with {@code event: slow}) while the fold goes on and a
     * client that reads gets every fact; the facts come at about 2,000 a second, so a reading client on a
     * loaded CI machine may fall behind for 4 s before its queue (8,192 facts) overflows (at 4,000 a second
     * one fresh-clone CI run in six lost the reading client); 60,000 of them (some 20 MB of JSON) overflow what a stalled client's
     * queue and the loopback socket buffers hold.
     */
    @Test
    void clientThatStopsReadingIsDroppedWithoutStallingTheFold() throws Exception {
        int progressEvents = 60_000;
        int subscribersBefore = api.hub.subscriberCount();
        try (SseReader stalled = SseReader.open(api, "/api/events?batch=flood&access_token=" + RunningApi.TOKEN, null);
                SseReader reading = SseReader.open(api, "/api/events?batch=flood&access_token=" + RunningApi.TOKEN, null)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> api.hub.subscriberCount() == subscribersBefore + 2);
            // its own thread: the common pool has one thread on two cores, and a blocked task there would starve it
            java.util.concurrent.ExecutorService readerThread = java.util.concurrent.Executors.newSingleThreadExecutor();
            java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicReference<String> lastSeen = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.CompletableFuture<Long> received = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                long count = 0;
                try {
                    while (count <= progressEvents) {
                        String[] message = reading.next();
                        lastSeen.set(message[0] + " " + message[1]);
                        assertThat(message[1]).as("message %d of the reading client", count).isEqualTo("clone");
                        count++;
                        seen.set(count);
                    }
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
                return count;
            }, readerThread);
            readerThread.shutdown();
            EventFactory factory = new EventFactory("flood-worker");
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(api.settings.producer("flood"))) {
                send(producer, factory.newEvent("flood", "FLOOD001", 1).setClonePlanned(
                        ClonePlanned.newBuilder().setBytesTotal(progressEvents * 4096L)).build());
                for (int i = 1; i <= progressEvents; i++) {
                    send(producer, factory.newEvent("flood", "FLOOD001", 1).setCopyProgress(
                            CopyProgress.newBuilder().setVaddr("0200").setBytesDone(i * 4096L)).build());
                    if (i % 200 == 0) {
                        producer.flush();
                        Thread.sleep(100);
                    }
                }
                producer.flush();
            }
            // the fold reaches the last fact although one client has read nothing at all
            await().atMost(Duration.ofSeconds(30)).until(() -> api.store.status("FLOOD001") != null
                    && api.store.status("FLOOD001").getProgress().getBytesDone() == progressEvents * 4096L);
            try {
                assertThat(received.get(120, TimeUnit.SECONDS)).isEqualTo(progressEvents + 1L);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("the reading client got " + seen.get() + " of " + (progressEvents + 1)
                        + " facts in time, the last " + lastSeen.get() + "; hub subscribers " + api.hub.subscriberCount(), e);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> api.hub.subscriberCount() == subscribersBefore + 1);
            String[] message;
            do {
                message = stalled.next();
            } while (!"slow".equals(message[1]));
            assertThat(message[2]).contains("reconnect with Last-Event-ID");
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, CloneEvent event) {
        producer.send(new ProducerRecord<>(api.layout.events(), event.getUserid(), ContractCodec.encode(event)));
    }

    /** A minimal SSE client over java.net.http: yields {id, event, data} per message. */
    static final class SseReader implements AutoCloseable {
        private final InputStream body;
        private final BufferedReader reader;

        private SseReader(InputStream body) {
            this.body = body;
            this.reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        }

        static SseReader open(RunningApi api, String path, String lastEventId) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(api.uri(path)).header("Accept", "text/event-stream");
            if (lastEventId != null) {
                request.header("Last-Event-ID", lastEventId);
            }
            HttpResponse<InputStream> response = api.http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    v -> assertThat(v).startsWith("text/event-stream"));
            return new SseReader(response.body());
        }

        String[] next() throws Exception {
            String id = null;
            String event = "message";
            StringBuilder data = new StringBuilder();
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        return new String[] {id, event, data.toString()};
                    }
                    continue;
                }
                if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data.append(line.substring(6));
                }
            }
            throw new AssertionError("the event stream ended");
        }

        @Override
        public void close() throws Exception {
            body.close();
        }
    }
}
