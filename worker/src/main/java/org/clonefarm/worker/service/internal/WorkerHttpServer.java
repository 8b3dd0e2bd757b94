package org.clonefarm.worker.service.internal;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The worker's small HTTP server on Vert.x core: {@code GET /health} (200 {@code {"status":"UP"}} while
 * the consumer loop polls, 503 {@code DOWN} otherwise) and {@code GET /metrics} (Prometheus text format).
 * Nothing else; no token, because it tells nothing but counters. Its handlers run on one event loop.
 */
public final class WorkerHttpServer {
    private final Vertx vertx;
    private final PrometheusMeterRegistry registry;
    private final BooleanSupplier healthy;
    private HttpServer server;

    public WorkerHttpServer(Vertx vertx, PrometheusMeterRegistry registry, BooleanSupplier healthy) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.healthy = Objects.requireNonNull(healthy, "healthy");
    }

    /** Listens on the port (0 = any free port) of the loopback and every other address; the actual port. */
    public Future<Integer> listen(String host, int port) {
        server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port));
        server.requestHandler(this::handle);
        return server.listen().map(HttpServer::actualPort);
    }

    private void handle(HttpServerRequest request) {
        String path = request.path();
        if (!"GET".equals(request.method().name())) {
            request.response().setStatusCode(405).putHeader("Allow", "GET").end();
        } else if ("/health".equals(path)) {
            boolean up = healthy.getAsBoolean();
            request.response().setStatusCode(up ? 200 : 503).putHeader("Content-Type", "application/json")
                    .end(up ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
        } else if ("/metrics".equals(path)) {
            request.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(registry.scrape());
        } else {
            request.response().setStatusCode(404).end();
        }
    }

    public Future<Void> close() {
        return server == null ? Future.succeededFuture() : server.close();
    }
}
