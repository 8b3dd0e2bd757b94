package org.clonefarm.worker.copy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.clonefarm.platform.io.FileRegion;

/**
 * The fan-out a crash test kills: copies one source to several targets at once in its own JVM and prints
 * {@code progress TARGET BYTES_DONE} for every progress report and {@code result TARGET WRITTEN SKIPPED DIGEST
 * READ} for each target at the end (TARGET is the target's index in the arguments).
 *
 * <p>Arguments: SRC CHECKPOINT_DIR CHUNK_BYTES FORCE_BYTES IN_FLIGHT DST...
 */
public final class FanOutChildProcess {

    private FanOutChildProcess() {
    }

    public static void main(String[] args) throws Exception {
        CopyOptions options = CopyOptions.defaults().withChunkSize(Integer.parseInt(args[2]))
                .withForceBytes(Long.parseLong(args[3])).withMaxInFlight(Integer.parseInt(args[4]));
        try (CheckpointStore store = CheckpointStore.open(Path.of(args[1])); CopyEngine engine = new CopyEngine(store)) {
            List<CopyEngine.FanOutCopy> copies = new ArrayList<>();
            for (int i = 5; i < args.length; i++) {
                int target = i - 5;
                copies.add(new CopyEngine.FanOutCopy(new CopyPlan(FileRegion.whole(Path.of(args[0])),
                        FileRegion.whole(Path.of(args[i])), options, null), progress -> {
                            synchronized (System.out) {
                                System.out.println("progress " + target + " " + progress.bytesDone());
                                System.out.flush();
                            }
                        }, CopyCancellation.none()));
            }
            List<CompletableFuture<CopyResult>> results = engine.copyAll(copies);
            for (int i = 0; i < results.size(); i++) {
                CopyResult result = results.get(i).get();
                synchronized (System.out) {
                    System.out.println("result " + i + " " + result.bytesWritten() + " "
                            + result.bytesSkippedCheckpoint() + " " + result.digest() + " " + result.bytesReadSource());
                    System.out.flush();
                }
            }
        }
    }
}
