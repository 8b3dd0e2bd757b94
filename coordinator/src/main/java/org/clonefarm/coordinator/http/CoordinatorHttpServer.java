package org.clonefarm.coordinator.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import org.clonefarm.coordinator.commands.BatchCommands;
import org.clonefarm.coordinator.commands.BatchCommands.BatchCommandException;
import org.clonefarm.coordinator.http.internal.ApiJson;
import org.clonefarm.coordinator.http.internal.Problems;
import org.clonefarm.coordinator.http.internal.SseStream;
import org.clonefarm.coordinator.state.BatchSummary;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.watch.BatchTimeline;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's HTTP API, server-sent events, dashboard, health check and Prometheus metrics,
 * on Vert.x Web.
 *
 * <table>
 *   <caption>Routes</caption>
 *   <tr><td>GET|HEAD /health</td><td>200 {@code {"status":"UP"}}; no token needed</td></tr>
 *   <tr><td>GET|HEAD /, /dashboard.js, /dashboard.css</td><td>the dashboard page; static, holds no data, no token needed</td></tr>
 *   <tr><td>GET /metrics</td><td>Prometheus text format</td></tr>
 *   <tr><td>GET /api/batches</td><td>every batch: counts per state, bytes, rate, ETA</td></tr>
 *   <tr><td>GET /api/batches/{id}</td><td>one batch, with the status of each clone</td></tr>
 *   <tr><td>GET /api/batches/{id}/timeline</td><td>bytes copied over time and the time each clone spent in each step;
 *       {@code ?clones=N} keeps the first N clones' rows</td></tr>
 *   <tr><td>POST /api/batches</td><td>body = clone spec YAML; 201 (202 when already submitted) or a problem</td></tr>
 *   <tr><td>POST /api/batches/{id}/retry, /cancel, /refresh</td><td>optional JSON body {@code {"userids":[...]}};
 *       refresh answers {@code {"batchId", "refreshed": [...], "masterVersion"}}</td></tr>
 *   <tr><td>GET /api/clones/{userid}</td><td>state, step, progress and the fact history of a clone</td></tr>
 *   <tr><td>GET /api/events</td><td>server-sent events; {@code ?batch=} / {@code ?clone=} filter; resume with {@code Last-Event-ID}</td></tr>
 * </table>
 *
 * <p>Authentication: {@code Authorization: Bearer <token>} on everything but {@code /health} and the
 * dashboard's static files. Because the browser's EventSource cannot send headers,
 * {@code /api/events} alone also accepts the token as {@code ?access_token=}. Errors are problem
 * details (RFC 9457); a client's mistake (a broken %-escape in the URI, a body of the wrong type or
 * shape) is answered with one and never logged with a stack trace.
 *
 * <p>Request bodies are read in memory, at most 1 MiB (413 beyond). No route
 * takes a file or a form: multipart and form-encoded bodies are refused with 415 before they are read,
 * and the body handlers do not handle uploads, so nothing a client sends is ever written to disk.
 *
 * <p>Lifecycle: {@link #start} binds and answers the server; {@link #close} stops listening and ends
 * every SSE stream. The caller owns the {@link Vertx} instance. Thread-safety: handlers run on the
 * Vert.x event loop; the class holds no mutable state of its own besides the server.
 */
public final class CoordinatorHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorHttpServer.class);
    private static final String RESOURCES = "org/clonefarm/coordinator/dashboard/";
    private static final long BODY_LIMIT = 1024 * 1024;
    private static final String SPEC_BODY = "the clone spec YAML as the request body: send it with Content-Type: "
            + "application/yaml (curl: -H 'Content-Type: application/yaml' --data-binary @spec.yaml)";
    private static final String USERIDS_BODY = "an optional JSON object such as {\"userids\":[\"LINUX001\"]} as the "
            + "request body: send it with Content-Type: application/json";
    private static final int SSE_QUEUE_LIMIT = EventHub.DEFAULT_CAPACITY * 2;
    private static final long SSE_KEEPALIVE_MILLIS = 15_000;

    private final Vertx vertx;
    private final HttpSettings settings;
    private final CloneStateStore store;
    private final EventHub hub;
    private final BatchCommands commands;
    private final PrometheusMeterRegistry registry;
    private final Map<String, Buffer> dashboard;
    private HttpServer server;

    private CoordinatorHttpServer(Vertx vertx, HttpSettings settings, EventHub hub, BatchCommands commands,
            PrometheusMeterRegistry registry) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.hub = Objects.requireNonNull(hub, "hub");
        this.store = hub.store();
        this.commands = Objects.requireNonNull(commands, "commands");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.dashboard = Map.of(
                "/", resource("index.html"),
                "/dashboard.js", resource("dashboard.js"),
                "/dashboard.css", resource("dashboard.css"));
    }

    /**
     * Starts the server: one call for {@code clonefarm up} and {@code clonefarm coordinator}.
     *
     * @param hub the event hub; it must be (part of) the listener of the coordinator's {@code EventFolder}
     * @return completes with the running server once it listens (see {@link #port()}); fails when the
     *     port cannot be bound
     */
    public static CompletableFuture<CoordinatorHttpServer> start(Vertx vertx, HttpSettings settings, EventHub hub,
            BatchCommands commands, PrometheusMeterRegistry registry) {
        CoordinatorHttpServer server = new CoordinatorHttpServer(vertx, settings, hub, commands, registry);
        return server.listen().toCompletionStage().toCompletableFuture().thenApply(port -> server);
    }

    private Future<Integer> listen() {
        Router router = router();
        HttpServerOptions options = new HttpServerOptions().setHost(settings.host()).setPort(settings.port())
                .setCompressionSupported(true);
        return vertx.createHttpServer(options).requestHandler(router).listen().map(bound -> {
            synchronized (this) {
                server = bound;
            }
            LOG.info("HTTP API and dashboard on {}", url());
            return bound.actualPort();
        });
    }

    /** The bound port; only after {@link #start} completed. */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("the HTTP server is not listening");
        }
        return server.actualPort();
    }

    /** {@code http://HOST:PORT/}, the dashboard's address (without the token). */
    public String url() {
        String host = settings.host();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + port() + "/";
    }

    /** Stops listening and closes every connection, SSE streams included; waits up to 10 s. */
    @Override
    public void close() throws Exception {
        HttpServer current;
        synchronized (this) {
            current = server;
            server = null;
        }
        if (current != null) {
            current.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private Router router() {
        Router router = Router.router(vertx);
        // first, before any route decodes the path or a handler the query: a broken %-escape is a 400 problem
        router.route().handler(CoordinatorHttpServer::requireWellFormedUri);
        // open to anyone: says nothing but that the server answers (HEAD for probes such as curl -I)
        router.route("/health").method(HttpMethod.GET).method(HttpMethod.HEAD)
                .handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
        for (Map.Entry<String, Buffer> page : dashboard.entrySet()) {
            router.route(page.getKey()).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> end(ctx.response()
                    .putHeader("Content-Type", contentType(page.getKey()))
                    .putHeader("Cache-Control", "no-cache"), ctx, page.getValue()));
        }
        router.route().handler(this::authenticate);
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(registry.scrape()));
        router.get("/api/batches").handler(this::listBatches);
        router.get("/api/batches/:id").handler(this::showBatch);
        router.get("/api/batches/:id/timeline").handler(this::showTimeline);
        post(router, "/api/batches", "application/yaml, text/plain", SPEC_BODY, this::submit);
        post(router, "/api/batches/:id/retry", "application/json", USERIDS_BODY, ctx -> change(ctx, true));
        post(router, "/api/batches/:id/refresh", "application/json", USERIDS_BODY, this::refresh);
        post(router, "/api/batches/:id/cancel", "application/json", USERIDS_BODY, ctx -> change(ctx, false));
        router.get("/api/clones/:userid").handler(this::showClone);
        router.get("/api/events").handler(this::events);
        // a path the router cannot decode (when requireWellFormedUri let it pass), or a body Vert.x cannot parse
        router.errorHandler(400, CoordinatorHttpServer::badRequest);
        router.errorHandler(404, ctx -> Problems.send(ctx, 404, "not-found", "No such resource",
                ctx.request().method() + " " + ctx.request().path() + " is not part of the clonefarm API"));
        router.errorHandler(405, ctx -> Problems.send(ctx, 405, "method-not-allowed", "Method not allowed",
                ctx.request().method() + " is not allowed on " + ctx.request().path()));
        router.errorHandler(413, ctx -> Problems.send(ctx, 413, "too-large", "Request body too large",
                "the body exceeds " + BODY_LIMIT + " bytes"));
        router.errorHandler(500, ctx -> {
            LOG.error("HTTP {} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
            Problems.send(ctx, 500, "internal", "Internal error",
                    ctx.failure() == null ? "the request failed" : ctx.failure().toString());
        });
        return router;
    }

    /**
     * A POST route whose handler gets the body in memory ({@link #inMemoryBody}), after
     * {@link #refuseFilesAndForms} (a route of its own: Vert.x wants the body handler first on a route).
     */
    private static void post(Router router, String path, String acceptedTypes, String accepted,
            Handler<RoutingContext> handler) {
        router.post(path).handler(refuseFilesAndForms(acceptedTypes, accepted));
        router.post(path).handler(inMemoryBody()).handler(handler);
    }

    /**
     * The body of every POST: read in memory up to {@link #BODY_LIMIT}. File uploads are off, so even a
     * multipart body that got here would not reach the disk (Vert.x would otherwise stream each file into
     * {@code file-uploads/} in the working directory and keep it).
     */
    private static BodyHandler inMemoryBody() {
        return BodyHandler.create(false).setBodyLimit(BODY_LIMIT);
    }

    /**
     * Refuses multipart and form-encoded bodies with 415 before they are read: no route takes a file or a
     * form, and parsing a spec as a form would fail on its size (8 KB per field) or on a '%' in it.
     *
     * @param acceptedTypes the media types the route takes, for the 415's {@code Accept} header (RFC 9110)
     * @param accepted what the route takes, the end of the problem's sentence
     */
    private static Handler<RoutingContext> refuseFilesAndForms(String acceptedTypes, String accepted) {
        return ctx -> {
            String contentType = ctx.request().getHeader("Content-Type");
            String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (!mediaType.startsWith("multipart/") && !mediaType.equals("application/x-www-form-urlencoded")) {
                ctx.next();
                return;
            }
            ctx.response().putHeader("Accept", acceptedTypes);
            Problems.send(ctx, 415, "unsupported-media-type", "Unsupported media type",
                    ctx.request().method() + " " + ctx.request().path() + " takes no " + mediaType + " body; it takes "
                            + accepted);
        };
    }

    /** Lets a request on only if every % in its URI starts a two-hex-digit escape; otherwise a 400 problem. */
    private static void requireWellFormedUri(RoutingContext ctx) {
        String broken = brokenEscape(ctx.request().uri());
        if (broken == null) {
            ctx.next();
            return;
        }
        LOG.debug("refused {} {}: broken escape {}", ctx.request().method(), ctx.request().uri(), broken);
        badUri(ctx, broken);
    }

    private static void badRequest(RoutingContext ctx) {
        String broken = brokenEscape(ctx.request().uri());
        if (broken != null) {
            badUri(ctx, broken);
            return;
        }
        Throwable failure = ctx.failure();
        String reason = failure == null || failure.getMessage() == null ? null
                : failure.getMessage().lines().findFirst().orElse(null);
        LOG.debug("refused {} {} with 400: {}", ctx.request().method(), ctx.request().path(), reason);
        Problems.send(ctx, 400, "bad-request", "Bad request",
                reason == null ? "the request is malformed" : "the request is malformed: " + reason);
    }

    private static void badUri(RoutingContext ctx, String broken) {
        Problems.send(ctx, 400, "bad-uri", "Malformed request URI", "the URI has a broken percent-encoding at '"
                + broken + "': a % must start an escape of two hex digits (write % itself as %25)");
    }

    /** The first broken %-escape in {@code uri} (up to 3 characters from its %), or null when there is none. */
    private static String brokenEscape(String uri) {
        for (int i = uri.indexOf('%'); i >= 0; i = uri.indexOf('%', i + 1)) {
            if (i + 2 >= uri.length() || !isHex(uri.charAt(i + 1)) || !isHex(uri.charAt(i + 2))) {
                return uri.substring(i, Math.min(uri.length(), i + 3));
            }
            i += 2;
        }
        return null;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static String contentType(String path) {
        if (path.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (path.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        return "text/html; charset=utf-8";
    }

    private void authenticate(RoutingContext ctx) {
        ApiToken token = settings.token();
        if (token == null) {
            ctx.next(); // loopback without a token: HttpSettings allows nothing else
            return;
        }
        String presented = null;
        String header = ctx.request().getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = header.substring(7).strip();
        } else if (header == null && "/api/events".equals(ctx.request().path())) {
            presented = ctx.request().getParam("access_token");
        }
        if (token.matches(presented)) {
            ctx.next();
            return;
        }
        ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"clonefarm\"");
        Problems.send(ctx, 401, "unauthorized", "Missing or wrong API token",
                presented == null ? "send Authorization: Bearer <token> (the token is in the coordinator's api-token file)"
                        : "the bearer token does not match the coordinator's API token");
    }

    private void listBatches(RoutingContext ctx) {
        JsonArray batches = new JsonArray();
        for (String batchId : new TreeSet<>(store.batchIds())) {
            BatchSummary batch = store.batch(batchId);
            if (batch != null) {
                batches.add(ApiJson.batch(batch, hub.throughput().rate(batchId, batch.bytesDone(), batch.bytesTotal())));
            }
        }
        json(ctx, 200, new JsonObject().put("batches", batches));
    }

    private void showBatch(RoutingContext ctx) {
        String batchId = ctx.pathParam("id");
        BatchSummary batch = store.batch(batchId);
        if (batch == null) {
            Problems.send(ctx, 404, "batch-not-found", "No such batch", "no event names batch '" + batchId + "'");
            return;
        }
        JsonArray clones = new JsonArray();
        for (CloneStatus status : store.clonesOf(batchId)) {
            clones.add(ApiJson.clone(status));
        }
        json(ctx, 200, ApiJson.batch(batch, hub.throughput().rate(batchId, batch.bytesDone(), batch.bytesTotal()))
                .put("cloneStatuses", clones));
    }

    /** The batch's timeline; {@code ?clones=N} keeps the first N clones' rows (the distributions cover them all). */
    private void showTimeline(RoutingContext ctx) {
        String batchId = ctx.pathParam("id");
        String clones = ctx.request().getParam("clones");
        int maxClones = Integer.MAX_VALUE;
        if (clones != null) {
            try {
                maxClones = Integer.parseInt(clones.strip());
            } catch (NumberFormatException e) {
                maxClones = -1;
            }
            if (maxClones < 0) {
                Problems.send(ctx, 400, "bad-query", "Bad query parameter",
                        "clones must be a whole number of clone rows, 0 or more, got '" + clones + "'");
                return;
            }
        }
        BatchTimeline timeline = hub.timelines().timeline(batchId);
        if (timeline == null) {
            Problems.send(ctx, 404, "batch-not-found", "No such batch", "no event names batch '" + batchId + "'");
            return;
        }
        json(ctx, 200, ApiJson.timeline(timeline, maxClones));
    }

    private void showClone(RoutingContext ctx) {
        String userid = ctx.pathParam("userid").toUpperCase(Locale.ROOT);
        CloneStatus status = store.status(userid);
        if (status == null) {
            Problems.send(ctx, 404, "clone-not-found", "No such clone", "no batch planned a clone '" + userid + "'");
            return;
        }
        JsonArray history = new JsonArray();
        for (CloneEvent event : store.history(userid)) {
            history.add(ApiJson.event(event));
        }
        json(ctx, 200, ApiJson.clone(status).put("history", history));
    }

    private void submit(RoutingContext ctx) {
        String yaml = ctx.body().asString();
        if (yaml == null || yaml.isBlank()) {
            Problems.send(ctx, 400, "empty-spec", "No clone spec", "POST the clone spec YAML as the request body");
            return;
        }
        reply(ctx, commands.submit(yaml), submitted -> {
            JsonObject body = new JsonObject().put("batchId", submitted.batchId()).put("clones", submitted.clones())
                    .put("bytesToCopy", submitted.bytesToCopy()).put("alreadySubmitted", submitted.alreadySubmitted());
            ctx.response().putHeader("Location", "/api/batches/" + submitted.batchId());
            json(ctx, submitted.alreadySubmitted() ? 200 : 201, body);
        });
    }

    private void change(RoutingContext ctx, boolean retry) {
        String batchId = ctx.pathParam("id");
        List<String> userids;
        try {
            userids = ApiJson.userids(ctx.body().asString());
        } catch (IllegalArgumentException e) {
            Problems.send(ctx, 400, "bad-body", "Bad request body", e.getMessage());
            return;
        }
        CompletableFuture<List<String>> result = retry ? commands.retry(batchId, userids) : commands.cancel(batchId, userids);
        reply(ctx, result, changed -> json(ctx, 202, new JsonObject().put("batchId", batchId)
                .put(retry ? "retried" : "cancelled", ApiJson.array(changed))));
    }

    private void refresh(RoutingContext ctx) {
        String batchId = ctx.pathParam("id");
        List<String> userids;
        try {
            userids = ApiJson.userids(ctx.body().asString());
        } catch (IllegalArgumentException e) {
            Problems.send(ctx, 400, "bad-body", "Bad request body", e.getMessage());
            return;
        }
        reply(ctx, commands.refresh(batchId, userids), refreshed -> json(ctx, 202, new JsonObject().put("batchId", batchId)
                .put("refreshed", ApiJson.array(refreshed.userids())).put("masterVersion", refreshed.masterVersion())));
    }

    /** Answers on the request's context once the command completes; command failures become problems. */
    private <T> void reply(RoutingContext ctx, CompletableFuture<T> result, java.util.function.Consumer<T> onSuccess) {
        Context context = vertx.getOrCreateContext();
        Future.fromCompletionStage(result, context).onComplete(done -> {
            if (done.succeeded()) {
                onSuccess.accept(done.result());
                return;
            }
            Throwable error = done.cause() instanceof CompletionException && done.cause().getCause() != null
                    ? done.cause().getCause() : done.cause();
            if (error instanceof BatchCommandException refused) {
                switch (refused.kind()) {
                    case NOT_FOUND -> Problems.send(ctx, 404, "not-found", "Not found", refused.getMessage());
                    case CONFLICT -> Problems.send(ctx, 409, "conflict", "Conflict", refused.getMessage());
                    default -> Problems.send(ctx, 400, refused.problems().isEmpty() ? "bad-request" : "bad-spec",
                            refused.problems().isEmpty() ? "Bad request" : "The clone spec has problems",
                            refused.getMessage(), refused.problems());
                }
            } else {
                ctx.fail(500, error);
            }
        });
    }

    private void events(RoutingContext ctx) {
        String batch = ctx.request().getParam("batch");
        String clone = ctx.request().getParam("clone");
        String wantedClone = clone == null ? null : clone.toUpperCase(Locale.ROOT);
        Predicate<EventHub.HubEvent> filter = e -> (batch == null || batch.equals(e.event().getBatchId()))
                && (wantedClone == null || wantedClone.equals(e.event().getUserid()));
        var response = ctx.response();
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no");
        SseStream stream = new SseStream(vertx.getOrCreateContext(), response, SSE_QUEUE_LIMIT);
        String lastEventId = ctx.request().getHeader("Last-Event-ID");
        EventHub.Subscription subscription = hub.subscribe(lastEventId, filter, stream);
        // the client sees the headers only once subscribed: what it triggers next reaches it
        response.write(": clonefarm events\nretry: 2000\n\n");
        if (subscription.missed() > 0) {
            // written before the replay drains (it is queued for a later turn of this event loop)
            stream.writeRaw("event: gap\ndata: {\"missed\":" + subscription.missed() + "}\n\n");
        }
        long keepalive = vertx.setPeriodic(SSE_KEEPALIVE_MILLIS, id -> stream.writeRaw(": keepalive\n\n"));
        Runnable cleanup = () -> {
            vertx.cancelTimer(keepalive);
            subscription.cancel().run();
        };
        stream.onSlow(cleanup);
        response.closeHandler(v -> {
            stream.close();
            cleanup.run();
        });
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        end(ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json"), ctx,
                Buffer.buffer(body.encode()));
    }

    /**
     * Ends the response with {@code body}, or without one for HEAD: Vert.x leaves the body out of a HEAD
     * response on HTTP/1.1 but sends it on HTTP/2, which a HEAD response must never carry.
     */
    private static void end(HttpServerResponse response, RoutingContext ctx, Buffer body) {
        if (ctx.request().method() == HttpMethod.HEAD) {
            response.end();
        } else {
            response.end(body);
        }
    }

    private static Buffer resource(String name) {
        try (InputStream in = CoordinatorHttpServer.class.getClassLoader().getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard resource " + RESOURCES + name + " is missing from the jar");
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read dashboard resource " + RESOURCES + name, e);
        }
    }
}
