package org.clonefarm.worker.service.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.worker.copy.CopyOptions;
import org.clonefarm.worker.disk.FakeZvm;
import org.clonefarm.worker.disk.FlashcopyPolicy;

/**
 * The worker a cp-path crash test kills: copies, or refreshes, the clone of a {@link CpPathHarness} farm on the
 * cp path in its own JVM, printing {@code event FACT} for every event it publishes, {@code progress VADDR BYTES}
 * for every progress event (each follows a checkpoint) and {@code outcome X} at the end.
 *
 * <p>Arguments: DIR FBA_BLOCKS FIRST_VDEV LAST_VDEV, then for a refresh ATTEMPT MASTER_VERSION.
 */
public final class CpPathCrashChild {
    private CpPathCrashChild() {
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
                if (event.hasCopyProgress()) {
                    System.out.println("progress " + event.getCopyProgress().getVaddr() + " "
                            + event.getCopyProgress().getBytesDone());
                }
                System.out.flush();
                return super.send(record, callback);
            }
        };
        CloneRequest request = args.length > 4 ? refresh(blocks, Integer.parseInt(args[4]), args[5])
                : CpPathHarness.request(true, blocks);
        try (CpPathHarness h = CpPathHarness.open(dir, FakeZvm.at(dir.resolve("zvm")), FlashcopyPolicy.NEVER,
                CpPathHarness.options(dir).withVdevs(Vaddr.of(args[2]), Vaddr.of(args[3])), crashOptions(), producer)) {
            h.access.reconcile();
            System.out.println("outcome " + h.copy(request));
        }
    }

    /** A started child JVM and the lines it printed so far (filled by a daemon thread until it ends). */
    record Started(Process process, List<String> output) {
    }

    /** Starts the child with these arguments (see the class); its lines collect in {@link Started#output}. */
    static Started start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), CpPathCrashChild.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    output.add(line);
                }
            } catch (IOException e) {
                // killed: its output ends here
            }
        }, "cp-crash-child-output");
        reader.setDaemon(true);
        reader.start();
        return new Started(process, output);
    }

    /** The clone's refresh request of {@code attempt} to {@code masterVersion}. */
    static CloneRequest refresh(long blocks, int attempt, String masterVersion) {
        return CpPathHarness.request(true, blocks).toBuilder().setRequestId("b1-refresh-" + attempt).setAttempt(attempt)
                .setRefresh(true).setMasterVersion(masterVersion).build();
    }

    /** Small chunks and frequent checkpoints, so a kill lands mid-copy with checkpoints behind it. */
    static CopyOptions crashOptions() {
        return CopyOptions.defaults().withChunkSize(CpPathHarness.MIB).withForceBytes(4L * CpPathHarness.MIB)
                .withMaxInFlight(2);
    }
}
