package org.clonefarm.coordinator.http.internal;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import org.clonefarm.coordinator.spec.SpecProblem;

/**
 * Errors of the HTTP API as problem details (RFC 9457): {@code type}, {@code title}, {@code status},
 * {@code detail}, {@code instance}, and for a bad spec a {@code problems} list with place, line,
 * value and message of each. Stateless.
 */
public final class Problems {
    /** The media type of a problem details document. */
    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_BASE = "urn:clonefarm:problem:";

    private Problems() {
    }

    /** Sends a problem; {@code slug} names its type, e.g. {@code not-found}. */
    public static void send(RoutingContext ctx, int status, String slug, String title, String detail) {
        send(ctx, status, slug, title, detail, List.of());
    }

    public static void send(RoutingContext ctx, int status, String slug, String title, String detail,
            List<SpecProblem> specProblems) {
        JsonObject body = new JsonObject()
                .put("type", TYPE_BASE + slug)
                .put("title", title)
                .put("status", status)
                .put("detail", detail)
                .put("instance", ctx.request().path());
        if (!specProblems.isEmpty()) {
            JsonArray problems = new JsonArray();
            for (SpecProblem problem : specProblems) {
                problems.add(new JsonObject().put("place", problem.place()).put("line", problem.line())
                        .put("value", problem.value()).put("message", problem.message())
                        .put("text", problem.toString()));
            }
            body.put("problems", problems);
        }
        if (ctx.response().ended() || ctx.response().headWritten()) {
            return; // too late to say more: the connection carries a response already
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", MEDIA_TYPE).end(body.encodePrettily());
    }
}
