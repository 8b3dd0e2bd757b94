package org.clonefarm.worker.service.internal;

import java.nio.file.Path;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.worker.copy.CopyOptions;
import org.clonefarm.worker.disk.FakeZvm;
import org.clonefarm.worker.disk.FlashcopyPolicy;

/**
 * The worker a crash test kills: copies the clone of a {@link CpPathHarness} farm on the cp path in its own
 * JVM, printing {@code event FACT} for every event it publishes ({@code event COPY_PROGRESS} follows a
 * checkpoint) and {@code outcome X} at the end.
 *
 * <p>Arguments: DIR FBA_BLOCKS FIRST_VDEV LAST_VDEV.
 */
public final class CpPathCopyChild {
    private CpPathCopyChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long blocks = Long.parseLong(args[1]);
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer()) {
            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
                CloneEvent event = ContractCodec.decodeEvent(record.value(), "child");
                System.out.println("event " + event.getFactCase());
                System.out.flush();
                return super.send(record, callback);
            }
        };
        try (CpPathHarness h = CpPathHarness.open(dir, FakeZvm.at(dir.resolve("zvm")), FlashcopyPolicy.NEVER,
                CpPathHarness.options(dir).withVdevs(Vaddr.of(args[2]), Vaddr.of(args[3])), crashOptions(), producer)) {
            h.access.reconcile();
            System.out.println("outcome " + h.copy(CpPathHarness.request(true, blocks)));
        }
    }

    /** Small chunks and frequent checkpoints, so a kill lands mid-copy with checkpoints behind it. */
    static CopyOptions crashOptions() {
        return CopyOptions.defaults().withChunkSize(CpPathHarness.MIB).withForceBytes(4L * CpPathHarness.MIB)
                .withMaxInFlight(2);
    }
}
