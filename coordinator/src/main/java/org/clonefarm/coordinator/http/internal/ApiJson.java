package org.clonefarm.coordinator.http.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.clonefarm.coordinator.http.EventHub.HubEvent;
import org.clonefarm.coordinator.state.BatchSummary;
import org.clonefarm.coordinator.state.CloneStateMachine;
import org.clonefarm.coordinator.watch.BatchThroughput;
import org.clonefarm.coordinator.watch.BatchTimeline;
import org.clonefarm.coordinator.watch.CloneStep;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CloneStatus;

/**
 * The JSON shapes of the HTTP API. Clone and batch views are flat objects with plain numbers (bytes
 * as JSON numbers, times as ISO-8601 UTC, states by their short name such as {@code READY}); the
 * facts themselves are the protobuf messages in the protobuf JSON mapping ({@link JsonFormat}:
 * lowerCamelCase fields, 64-bit numbers as strings). The one request body that is JSON, the clones
 * named in a retry or cancel, is read here too. Stateless and thread-safe.
 */
public final class ApiJson {
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final String USERIDS_EXAMPLE = "{\"userids\":[\"LINUX001\"]}";

    private ApiJson() {
    }

    /** A batch: counts per state, bytes, progress, rate and ETA. */
    public static JsonObject batch(BatchSummary batch, BatchThroughput.Rate current) {
        // a finished batch has nothing more to copy, whatever bytes its failed clones left
        BatchThroughput.Rate rate = batch.allFinished() || batch.completed() ? current.withoutEta() : current;
        JsonObject counts = new JsonObject();
        Map<String, Integer> sorted = new TreeMap<>();
        for (Map.Entry<CloneState, Integer> entry : batch.counts().entrySet()) {
            sorted.put(CloneStateMachine.simpleName(entry.getKey()), entry.getValue());
        }
        sorted.forEach(counts::put);
        return new JsonObject()
                .put("batchId", batch.batchId())
                .put("clones", batch.clones())
                .put("counts", counts)
                .put("finished", batch.finished())
                .put("allFinished", batch.allFinished())
                .put("completed", batch.completed())
                .put("bytesDone", batch.bytesDone())
                .put("bytesTotal", batch.bytesTotal())
                .put("progress", batch.bytesTotal() == 0 ? 0.0 : (double) batch.bytesDone() / batch.bytesTotal())
                .put("rateBytesPerSecond", Math.round(rate.bytesPerSecond()))
                .put("etaSeconds", rate.hasEta() ? rate.eta().toSeconds() : null);
    }

    /** A clone's status. */
    public static JsonObject clone(CloneStatus status) {
        long done = status.getProgress().getBytesDone();
        long total = status.getProgress().getBytesTotal();
        JsonObject json = new JsonObject()
                .put("userid", status.getUserid())
                .put("batchId", status.getBatchId())
                .put("state", CloneStateMachine.simpleName(status.getState()))
                .put("step", status.getStep())
                .put("attempt", status.getAttempt())
                .put("bytesDone", done)
                .put("bytesTotal", total)
                .put("progress", total == 0 ? 0.0 : (double) done / total)
                .put("hostname", status.getSettings().getHostname())
                .put("ipaddr", status.getSettings().getIpaddr())
                .put("plannedAt", time(status.hasPlannedAt() ? status.getPlannedAt() : null))
                .put("updatedAt", time(status.hasUpdatedAt() ? status.getUpdatedAt() : null))
                .put("readyAt", time(status.hasReadyAt() ? status.getReadyAt() : null));
        if (status.getConfiguredAddressesCount() > 0) { // from READY: the addresses the guest's kernel had
            json.put("configuredAddresses", new JsonArray(new ArrayList<>(status.getConfiguredAddressesList())));
        }
        if (status.hasLastError()) {
            json.put("lastError", new JsonObject().put("step", status.getLastError().getStep())
                    .put("reason", status.getLastError().getReason())
                    .put("retryable", status.getLastError().getRetryable()));
        }
        if (status.getRefreshes() > 0) { // absent for clones never refreshed: every fact's JSON stays as it was
            json.put("refreshes", status.getRefreshes());
        }
        return json;
    }

    /**
     * A batch's timeline: {@code throughput} (bucket width, bytes, peak rate, one point per bucket) and
     * the time per step, as a distribution per step ({@code steps}, every step in order, and
     * {@code plannedToReady}) and per clone ({@code clones}, each with its spans on the time axis).
     * Offsets and durations are seconds (milliseconds as fractions) after {@code start}.
     *
     * @param maxClones how many clones' rows to give, in userid order ({@code cloneCount} says how many there are)
     */
    public static JsonObject timeline(BatchTimeline timeline, int maxClones) {
        JsonArray points = new JsonArray();
        for (BatchTimeline.ThroughputPoint point : timeline.throughput()) {
            points.add(new JsonObject().put("t", point.offsetSeconds()).put("bytes", point.bytes())
                    .put("bytesPerSecond", Math.round(point.bytesPerSecond())));
        }
        JsonArray steps = new JsonArray();
        for (CloneStep step : CloneStep.values()) {
            steps.add(durations(timeline.steps().get(step)).put("step", step.id()).put("label", step.label()));
        }
        JsonArray clones = new JsonArray();
        for (BatchTimeline.CloneTimeline clone : timeline.clones()) {
            if (clones.size() >= maxClones) {
                break;
            }
            JsonArray spans = new JsonArray();
            for (BatchTimeline.Span span : clone.spans()) {
                spans.add(new JsonObject().put("step", span.step().id()).put("from", span.fromSeconds())
                        .put("to", span.toSeconds()).put("seconds", seconds(span.seconds())).put("open", span.open()));
            }
            clones.add(new JsonObject().put("userid", clone.userid())
                    .put("state", CloneStateMachine.simpleName(clone.state())).put("attempt", clone.attempt())
                    .put("plannedToReadySeconds", clone.plannedToReadySeconds()).put("spans", spans));
        }
        return new JsonObject()
                .put("batchId", timeline.batchId())
                .put("start", timeline.start().toString())
                .put("end", timeline.end().toString())
                .put("durationSeconds", seconds((timeline.end().toEpochMilli() - timeline.start().toEpochMilli()) / 1000.0))
                .put("throughput", new JsonObject()
                        .put("bucketSeconds", timeline.bucketSeconds())
                        .put("bytes", timeline.throughputBytes())
                        .put("peakBytesPerSecond", Math.round(timeline.peakBytesPerSecond()))
                        .put("points", points))
                .put("steps", steps)
                .put("plannedToReady", durations(timeline.plannedToReady()))
                .put("cloneCount", timeline.clones().size())
                .put("clones", clones);
    }

    private static JsonObject durations(BatchTimeline.Durations durations) {
        return new JsonObject().put("clones", durations.clones())
                .put("minSeconds", seconds(durations.minSeconds()))
                .put("medianSeconds", seconds(durations.medianSeconds()))
                .put("p90Seconds", seconds(durations.p90Seconds()))
                .put("maxSeconds", seconds(durations.maxSeconds()))
                .put("meanSeconds", seconds(durations.meanSeconds()));
    }

    /** Seconds to the millisecond: a mean of thirds should not print 17 digits. */
    private static double seconds(double seconds) {
        return Math.round(seconds * 1000) / 1000.0;
    }

    /** A fact as its protobuf JSON mapping, with {@code fact} naming its kind (e.g. {@code copy_progress}). */
    public static JsonObject event(CloneEvent event) {
        try {
            return new JsonObject(PRINTER.print(event)).put("fact", factName(event));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("event " + event.getEventId() + " has no JSON form: " + e.getMessage(), e);
        }
    }

    /** An SSE message's data: sequence, fact, and the clone's status after it. */
    public static JsonObject hubEvent(HubEvent hubEvent) {
        CloneEvent event = hubEvent.event();
        return new JsonObject()
                .put("id", hubEvent.id())
                .put("seq", hubEvent.seq())
                .put("batchId", event.getBatchId())
                .put("userid", event.getUserid())
                .put("fact", factName(event))
                .put("time", time(event.getTime()))
                .put("status", hubEvent.status() == null ? null : clone(hubEvent.status()))
                .put("event", event(event));
    }

    /** The users of an array, for lists in request bodies. */
    public static JsonArray array(Iterable<?> values) {
        JsonArray array = new JsonArray();
        values.forEach(array::add);
        return array;
    }

    public static String factName(CloneEvent event) {
        return event.getFactCase().name().toLowerCase(Locale.ROOT);
    }

    /**
     * The clones named in the body of a retry or cancel, {@code {"userids":["LINUX001", ...]}}, in upper
     * case; empty (every clone) when the body names none: blank, or without {@code userids}.
     *
     * @throws IllegalArgumentException when the body is not that shape; its message is one sentence for the
     *     client, naming the field and the type expected, never a JVM message
     */
    public static List<String> userids(String body) {
        if (body == null || body.isBlank()) {
            return List.of();
        }
        Object value;
        try {
            value = Json.decodeValue(body);
        } catch (DecodeException e) {
            String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
            throw new IllegalArgumentException("the body is not JSON (" + message + "); send a JSON object such as "
                    + USERIDS_EXAMPLE + ", or no body for every clone");
        }
        if (!(value instanceof JsonObject object)) {
            throw new IllegalArgumentException("the body must be a JSON object such as " + USERIDS_EXAMPLE + ", got "
                    + typeName(value));
        }
        if (!object.containsKey("userids")) {
            return List.of();
        }
        // an explicit null is a mistake, not "every clone": it must not cancel a whole batch
        Object named = object.getValue("userids");
        if (!(named instanceof JsonArray array)) {
            throw new IllegalArgumentException("userids must be an array of strings such as [\"LINUX001\"], got "
                    + typeName(named));
        }
        List<String> userids = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            if (!(array.getValue(i) instanceof String userid)) {
                throw new IllegalArgumentException("userids must be an array of strings: userids[" + i
                        + "] must be a string such as \"LINUX001\", got " + typeName(array.getValue(i)));
            }
            userids.add(userid.toUpperCase(Locale.ROOT));
        }
        return userids;
    }

    /** The JSON type of a decoded value as a client would name it: "a string", "an object". */
    private static String typeName(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Number) {
            return "a number";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        if (value instanceof JsonArray) {
            return "an array";
        }
        return "an object";
    }

    private static String time(Timestamp timestamp) {
        return timestamp == null ? null : EventFactory.instant(timestamp).toString();
    }
}
