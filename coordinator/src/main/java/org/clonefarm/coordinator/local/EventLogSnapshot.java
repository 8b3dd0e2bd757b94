package org.clonefarm.coordinator.local;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.clonefarm.coordinator.service.EventFolder;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;

/** The farm's state right now, folded from the events topic by a read-only fold that stops at the end. */
public final class EventLogSnapshot {

    private EventLogSnapshot() {
    }

    /**
     * Folds the events topic up to its end as of now.
     *
     * @throws TimeoutException when the fold does not reach the end in time (broker down?)
     */
    public static CloneStateStore read(KafkaSettings settings, TopicLayout layout, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        CloneStateStore store = new CloneStateStore();
        try (EventFolder folder = new EventFolder(settings, layout, store, null, "clonefarm-snapshot-" + ProcessHandle.current().pid(), null)) {
            folder.start().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        return store;
    }
}
