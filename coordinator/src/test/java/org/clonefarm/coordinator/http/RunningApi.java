package org.clonefarm.coordinator.http;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.clonefarm.coordinator.metrics.CoordinatorMetrics;
import org.clonefarm.coordinator.service.EventFolder;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.testsupport.KafkaBrokerExtension;

/**
 * A coordinator's HTTP side as {@code clonefarm up} wires it, on a real broker: fresh topics, a real
 * {@link EventFolder} feeding the {@link EventHub} and the metrics, the server on a free loopback
 * port with a token, and {@link SyntheticLifecycleCommands} standing in for the planner.
 */
final class RunningApi implements AutoCloseable {
    static final String TOKEN = "test-token-4f9a1c2e7b3d";

    final KafkaSettings settings;
    final TopicLayout layout;
    final CloneStateStore store = new CloneStateStore();
    final EventHub hub = new EventHub(store);
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final Vertx vertx = Vertx.vertx();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final SyntheticLifecycleCommands commands;
    final EventFolder folder;
    final CoordinatorHttpServer server;

    RunningApi(KafkaBrokerExtension kafka, String prefix, Duration stepDelay) throws Exception {
        settings = KafkaSettings.of(kafka.bootstrapServers());
        layout = TopicLayout.builder().prefix(prefix).eventPartitions(3).build();
        try (Admin admin = kafka.broker().admin()) {
            layout.ensure(admin, 30_000);
        }
        CoordinatorMetrics metrics = new CoordinatorMetrics(registry, store);
        folder = new EventFolder(settings, layout, store, null, "coordinator-http-test",
                EventFolder.Listener.all(hub, metrics));
        metrics.bindFold(folder);
        folder.start().get(60, TimeUnit.SECONDS);
        commands = new SyntheticLifecycleCommands(settings, layout, stepDelay);
        server = CoordinatorHttpServer.start(vertx, HttpSettings.loopback(ApiToken.of(TOKEN)), hub, commands, registry)
                .get(30, TimeUnit.SECONDS);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body, String contentType) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    static String spec(String batch, String range, String firstIp) {
        return """
                batch: %s
                master: LNXMSTR
                profile: rw-root
                prototype: LNXPROTO
                volumes: LNXPOOL
                disks: {"0191": link, "0200": copy, "0201": vdisk 524288, "0202": copy}
                network: {netmask: 255.255.255.0, gateway: 10.1.1.1, nameservers: [10.1.1.53], domain: example.com}
                clones:
                  - range: %s
                    ip: %s
                """.formatted(batch, range, firstIp);
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        for (AutoCloseable part : new AutoCloseable[] {server, commands, folder,
            () -> vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)}) {
            try {
                part.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
