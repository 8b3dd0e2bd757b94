package org.clonefarm.coordinator.http.internal;

import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.clonefarm.coordinator.http.EventHub;
import org.clonefarm.coordinator.http.EventHub.HubEvent;

/**
 * One server-sent events connection as an {@link EventHub.Subscriber}. The hub's folding thread
 * offers events into a bounded queue; the connection's event-loop context drains it into the
 * response. When the queue is full, or the response's own write queue is (the client does not read),
 * the stream is slow: it ends the response, and the client reconnects with {@code Last-Event-ID}.
 *
 * <p>Thread-safety: {@link #offer} and {@link #dropped} from the folding thread; everything that
 * touches the response runs on the connection's context.
 */
public final class SseStream implements EventHub.Subscriber {
    private static final int EVENTS_PER_TURN = 256;
    private final Context context;
    private final HttpServerResponse response;
    private final int limit;
    private final Queue<HubEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile boolean closed;
    private volatile Runnable onSlow = () -> { };

    public SseStream(Context context, HttpServerResponse response, int limit) {
        this.context = context;
        this.response = response;
        this.limit = limit;
    }

    /** What to run (on the context) when the stream is dropped as slow: cancel the subscription. */
    public void onSlow(Runnable action) {
        this.onSlow = action;
    }

    @Override
    public boolean offer(HubEvent event) {
        if (closed) {
            return true; // the subscription is being cancelled; nothing to do
        }
        if (size.incrementAndGet() > limit) {
            return false;
        }
        queue.add(event);
        if (drainScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> drain());
        }
        return true;
    }

    @Override
    public void dropped() {
        context.runOnContext(v -> endSlow());
    }

    /** Writes a comment or a control message now; on the context only. */
    public void writeRaw(String text) {
        if (!closed) {
            response.write(text);
        }
    }

    /** Marks the stream closed (the client went away); any thread. */
    public void close() {
        closed = true;
        queue.clear();
    }

    /** Writes up to {@value #EVENTS_PER_TURN} queued events, then yields the event loop and goes on later. */
    private void drain() {
        drainScheduled.set(false);
        if (closed) {
            return;
        }
        StringBuilder chunk = new StringBuilder();
        HubEvent event;
        int written = 0;
        while (written < EVENTS_PER_TURN && (event = queue.poll()) != null) {
            size.decrementAndGet();
            chunk.append(event.rendered(SseStream::render));
            written++;
        }
        if (!queue.isEmpty() && drainScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> drain());
        }
        if (chunk.length() == 0) {
            return;
        }
        if (response.writeQueueFull()) {
            endSlow();
            return;
        }
        response.write(chunk.toString());
    }

    private static String render(HubEvent event) {
        return "id: " + event.id() + "\nevent: " + (event.status() == null ? "batch" : "clone") + "\ndata: "
                + ApiJson.hubEvent(event).encode() + "\n\n";
    }

    private void endSlow() {
        if (closed) {
            return;
        }
        closed = true;
        queue.clear();
        onSlow.run();
        response.write("event: slow\ndata: {\"reason\":\"the client did not keep up; reconnect with Last-Event-ID\"}\n\n");
        response.end();
    }
}
