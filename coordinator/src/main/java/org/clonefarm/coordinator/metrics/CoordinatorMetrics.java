package org.clonefarm.coordinator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;
import org.clonefarm.coordinator.service.EventFolder;
import org.clonefarm.coordinator.service.GuestFactRelay;
import org.clonefarm.coordinator.state.BatchSummary;
import org.clonefarm.coordinator.state.CloneStateMachine;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.state.FoldOutcome;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneEvent.FactCase;
import org.clonefarm.proto.CloneState;

/**
 * The coordinator's meters, fed by the fold (an {@link EventFolder.Listener}) and read from the
 * {@link CloneStateStore} at scrape time. In Prometheus names:
 *
 * <ul>
 *   <li>{@code clonefarm_clones{state}}: clones per state, over every batch;</li>
 *   <li>{@code clonefarm_events_total{fact,outcome}}: events folded (events per second =
 *       {@code rate(clonefarm_events_total[1m])});</li>
 *   <li>{@code clonefarm_copy_bytes_done} and {@code clonefarm_copy_bytes_planned}: durable bytes copied
 *       and bytes to copy, over every batch (copy rate = {@code rate(clonefarm_copy_bytes_done[1m])});</li>
 *   <li>{@code clonefarm_agent_step_seconds{step}}: time from a clone's previous fact to each guest
 *       agent fact, by the events' own timestamps (the step that fact ends);</li>
 *   <li>{@code clonefarm_fold_consumer_lag_records}: how far the fold is behind the events topic;</li>
 *   <li>{@code clonefarm_fold_events}: events folded since start;</li>
 *   <li>{@code clonefarm_guest_events_relayed_total} and {@code clonefarm_guest_events_refused_total{reason}}:
 *       guest facts the {@link GuestFactRelay} relayed, and refused (each on the dead-letter topic).</li>
 * </ul>
 *
 * <p>The worker registers its own meters (copy rate, chunk and checkpoint latency) in the same
 * registry when it runs in the same process ({@code clonefarm up}), so one {@code /metrics} shows both.
 *
 * <p>Thread-safety: {@link #onFolded} from the folding thread only; gauges are read from any thread.
 */
public final class CoordinatorMetrics implements EventFolder.Listener {
    private static final java.util.Set<FactCase> AGENT_FACTS = GuestFactRelay.GUEST_FACTS;

    private final MeterRegistry registry;
    private final CloneStateStore store;
    private final Map<FactCase, Counter[]> eventCounters = new EnumMap<>(FactCase.class);
    private final Map<FactCase, Timer> stepTimers = new EnumMap<>(FactCase.class);
    private final Map<String, Long> lastFactMillis = new HashMap<>();

    public CoordinatorMetrics(MeterRegistry registry, CloneStateStore store) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.store = Objects.requireNonNull(store, "store");
        for (CloneState state : CloneState.values()) {
            if (state == CloneState.CLONE_STATE_UNSPECIFIED || state == CloneState.UNRECOGNIZED) {
                continue;
            }
            Gauge.builder("clonefarm.clones", store, s -> countIn(s, state))
                    .description("Clones per state, over every batch")
                    .tag("state", CloneStateMachine.simpleName(state))
                    .register(registry);
        }
        gauge("clonefarm.copy.bytes.done", "Durable bytes copied, over every batch", BatchSummary::bytesDone);
        gauge("clonefarm.copy.bytes.planned", "Bytes to copy, over every batch", BatchSummary::bytesTotal);
    }

    private void gauge(String name, String description, ToDoubleFunction<BatchSummary> value) {
        Gauge.builder(name, store, s -> {
            double sum = 0;
            for (String batchId : s.batchIds()) {
                BatchSummary batch = s.batch(batchId);
                if (batch != null) {
                    sum += value.applyAsDouble(batch);
                }
            }
            return sum;
        }).description(description).baseUnit("bytes").register(registry);
    }

    private static double countIn(CloneStateStore store, CloneState state) {
        int sum = 0;
        for (String batchId : store.batchIds()) {
            BatchSummary batch = store.batch(batchId);
            if (batch != null) {
                sum += batch.count(state);
            }
        }
        return sum;
    }

    /** Adds the fold's own gauges: consumer lag and events folded. */
    public CoordinatorMetrics bindFold(EventFolder folder) {
        Gauge.builder("clonefarm.fold.consumer.lag", folder, EventFolder::consumerLag)
                .description("Records of the events topic the fold is behind; -1 while unknown")
                .baseUnit("records").register(registry);
        Gauge.builder("clonefarm.fold.events", folder, EventFolder::eventsFolded)
                .description("Events folded since the coordinator started").register(registry);
        return this;
    }

    /**
     * Registers the guest relay's counters: {@code clonefarm_guest_events_relayed_total} and
     * {@code clonefarm_guest_events_refused_total{reason}} (each refused record is on the dead-letter topic).
     */
    public CoordinatorMetrics bindGuestRelay(GuestFactRelay relay) {
        FunctionCounter.builder("clonefarm.guest.events.relayed", relay, GuestFactRelay::relayed)
                .description("Guest facts checked and relayed from the guest-events topic to the events topic")
                .register(registry);
        for (GuestFactRelay.Refusal refusal : GuestFactRelay.Refusal.values()) {
            FunctionCounter.builder("clonefarm.guest.events.refused", relay, r -> r.refused(refusal))
                    .description("Guest records refused by the relay (sent to the dead-letter topic), by reason")
                    .tag("reason", refusal.label()).register(registry);
        }
        return this;
    }

    @Override
    public void onFolded(CloneEvent event, FoldOutcome outcome, boolean live) {
        Counter[] byOutcome = eventCounters.computeIfAbsent(event.getFactCase(),
                f -> new Counter[FoldOutcome.Kind.values().length]);
        Counter counter = byOutcome[outcome.kind().ordinal()];
        if (counter == null) {
            counter = Counter.builder("clonefarm.events").description("Events folded, by fact and outcome")
                    .tag("fact", event.getFactCase().name().toLowerCase(Locale.ROOT))
                    .tag("outcome", outcome.kind().name().toLowerCase(Locale.ROOT))
                    .register(registry);
            byOutcome[outcome.kind().ordinal()] = counter;
        }
        counter.increment();
        if (outcome.kind() != FoldOutcome.Kind.APPLIED || event.getUserid().isEmpty()) {
            return;
        }
        if (event.getFactCase() == FactCase.COPY_PROGRESS) {
            return; // progress does not end a step; skipping it keeps the fold fast during copies
        }
        long millis = EventFactory.instant(event.getTime()).toEpochMilli();
        Long previous = lastFactMillis.put(event.getUserid(), millis);
        if (previous != null && AGENT_FACTS.contains(event.getFactCase()) && millis >= previous) {
            stepTimers.computeIfAbsent(event.getFactCase(), f -> Timer.builder("clonefarm.agent.step")
                    .description("Time from a clone's previous fact to this guest agent fact (event time)")
                    .tag("step", f.name().toLowerCase(Locale.ROOT))
                    .register(registry)).record(Duration.ofMillis(millis - previous));
        }
    }
}
