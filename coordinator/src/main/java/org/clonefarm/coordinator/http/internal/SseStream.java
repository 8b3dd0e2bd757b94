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
 * response, pausing while the response's own write queue is full. When the bounded queue overflows
 * (the client does not keep up), the stream is slow: the hub drops it, the response ends with
 * {@code event: slow}, and the client reconnects with {@code Last-Event-ID}.
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
    /** Whether a drain handler waits for the response to take data again; on the context only. */
    private boolean waitingForDrain;

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
            size.decrementAndGet();
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

    /**
     * Writes up to {@value #EVENTS_PER_TURN} queued events, then yields the event loop and goes on later.
     * While the response's write queue is full (the client reads slower than we write, for now), the
     * events wait in the bounded queue and writing resumes when the response drains; only a queue that
     * overflows makes the client slow (the hub then drops it).
     */
    private void drain() {
        drainScheduled.set(false);
        if (closed) {
            return;
        }
        if (response.writeQueueFull()) {
            if (!waitingForDrain) {
                waitingForDrain = true;
                response.drainHandler(v -> {
                    waitingForDrain = false;
                    if (drainScheduled.compareAndSet(false, true)) {
                        context.runOnContext(w -> drain());
                    }
                });
            }
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
