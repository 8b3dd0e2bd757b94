package org.clonefarm.worker.copy;

import java.nio.file.Path;
import org.clonefarm.platform.io.FileRegion;

/**
 * The copy a crash test kills: runs one checkpointed copy in its own JVM and prints
 * {@code progress BYTES_DONE} for every progress report and {@code result WRITTEN SKIPPED DIGEST} at the end.
 *
 * <p>Arguments: SRC DST CHECKPOINT_DIR CHUNK_BYTES FORCE_BYTES IN_FLIGHT.
 */
public final class CopyChildProcess {

    private CopyChildProcess() {
    }

    public static void main(String[] args) throws Exception {
        CopyOptions options = CopyOptions.defaults().withChunkSize(Integer.parseInt(args[3]))
                .withForceBytes(Long.parseLong(args[4])).withMaxInFlight(Integer.parseInt(args[5]));
        try (CheckpointStore store = CheckpointStore.open(Path.of(args[2])); CopyEngine engine = new CopyEngine(store)) {
            CopyResult result = engine.copyAndWait(new CopyPlan(FileRegion.whole(Path.of(args[0])),
                    FileRegion.whole(Path.of(args[1])), options, null), progress -> {
                        System.out.println("progress " + progress.bytesDone());
                        System.out.flush();
                    }, CopyCancellation.none());
            System.out.println("result " + result.bytesWritten() + " " + result.bytesSkippedCheckpoint() + " "
                    + result.digest());
        }
    }
}
