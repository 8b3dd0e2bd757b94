package org.clonefarm.coordinator.publish;

import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.ContractException;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.proto.CloneRequest;

/**
 * Which clones of a batch have a clone request on the requests topic: read from the topic's start to
 * its end as of the call. A submit of a batch published before asks this to find the clones an earlier,
 * interrupted submit never sent a request for. Stateless; each call uses a consumer of its own (no
 * group), so calls are thread-safe.
 */
@FunctionalInterface
public interface RequestLog {

    /** The userids of {@code batch} with at least one request on the topic. */
    Set<String> requestedUserids(String batch);

    /** The log on the farm's requests topic; a read that cannot reach the end within {@code timeout} fails. */
    static RequestLog onTopic(KafkaSettings settings, TopicLayout layout, Duration timeout) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(timeout, "timeout");
        return batch -> {
            String topic = layout.cloneRequests();
            Set<String> userids = new HashSet<>();
            TopicSnapshot.read(settings, topic, "clonefarm-request-log-" + ProcessHandle.current().pid(), timeout,
                    record -> {
                        try {
                            CloneRequest request = ContractCodec.decodeRequest(record.value(), topic + "@" + record.offset());
                            if (request.getBatchId().equals(batch)) {
                                userids.add(request.getUserid());
                            }
                        } catch (ContractException e) {
                            // not a request (the workers dead-letter it); it requests nothing
                        }
                    });
            return userids;
        };
    }
}
