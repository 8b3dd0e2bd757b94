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
import org.clonefarm.worker.disk.FakeZvm;
import org.clonefarm.worker.disk.FlashcopyPolicy;

/**
 * The worker a refresh crash test kills: refreshes the clone of a {@link CpPathHarness} farm in its own JVM,
 * printing {@code progress VADDR BYTES} for every progress event (it follows a checkpoint) and {@code outcome X}
 * at the end.
 *
 * <p>Arguments: DIR FBA_BLOCKS FIRST_VDEV LAST_VDEV ATTEMPT MASTER_VERSION.
 */
public final class RefreshChild {
    private RefreshChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long blocks = Long.parseLong(args[1]);
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer()) {
            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
                CloneEvent event = ContractCodec.decodeEvent(record.value(), "child");
                if (event.hasCopyProgress()) {
                    System.out.println("progress " + event.getCopyProgress().getVaddr() + " "
                            + event.getCopyProgress().getBytesDone());
                    System.out.flush();
                }
                return super.send(record, callback);
            }
        };
        try (CpPathHarness h = CpPathHarness.open(dir, FakeZvm.at(dir.resolve("zvm")), FlashcopyPolicy.NEVER,
                CpPathHarness.options(dir).withVdevs(Vaddr.of(args[2]), Vaddr.of(args[3])), CpPathCopyChild.crashOptions(),
                producer)) {
            h.access.reconcile();
            System.out.println("outcome " + h.copy(refresh(blocks, Integer.parseInt(args[4]), args[5])));
        }
    }

    /** The clone's refresh request of {@code attempt} to {@code masterVersion}. */
    static org.clonefarm.proto.CloneRequest refresh(long blocks, int attempt, String masterVersion) {
        return CpPathHarness.request(true, blocks).toBuilder().setRequestId("b1-refresh-" + attempt).setAttempt(attempt)
                .setRefresh(true).setMasterVersion(masterVersion).build();
    }
}
