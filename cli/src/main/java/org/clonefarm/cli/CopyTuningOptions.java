package org.clonefarm.cli;

import org.clonefarm.worker.copy.CopyOptions;
import org.clonefarm.worker.copy.DiskDigest;
import picocli.CommandLine.Option;

/**
 * The copy engine's tuning options, shared by {@code clonefarm copy} and {@code clonefarm worker}: declared
 * once, with the engine's defaults and one validation. Not thread-safe (picocli fills it, one command reads it).
 */
final class CopyTuningOptions {

    @Option(names = "--chunk-mib", paramLabel = "N",
            description = CopyOptions.CHUNK_SIZE_DOC + " In MiB, 1 to 256 (default ${DEFAULT-VALUE}).")
    int chunkMib = CopyOptions.DEFAULT_CHUNK_SIZE / CopyOptions.MIB;

    @Option(names = "--parallel", paramLabel = "N",
            description = CopyOptions.MAX_IN_FLIGHT_DOC + " Per disk, 1 to 64 (default ${DEFAULT-VALUE}).")
    int parallel = CopyOptions.DEFAULT_MAX_IN_FLIGHT;

    @Option(names = "--checkpoint-mib", paramLabel = "N",
            description = CopyOptions.FORCE_BYTES_DOC + " In MiB, at least --chunk-mib (default ${DEFAULT-VALUE}):"
                    + " a crash costs at most two batches and the chunks in flight.")
    int checkpointMib = (int) (CopyOptions.DEFAULT_FORCE_BYTES / CopyOptions.MIB);

    @Option(names = "--io", paramLabel = "MODE",
            description = "How chunk bytes move: DIRECT_WRITE (source read through the page cache, target written"
                    + " with O_DIRECT where aligned; default), DIRECT (O_DIRECT reads too), BUFFERED (all through the"
                    + " page cache) or TRANSFER_TO (read to hash, in-kernel transfer to write). Holes of a sparse"
                    + " source file are never read in any mode.")
    CopyOptions.IoMode ioMode = CopyOptions.DEFAULT_IO_MODE;

    @Option(names = "--verify", description = "Read the target back after the copy and compare every chunk digest.")
    boolean verify;

    @Option(names = "--digest", paramLabel = "ALGORITHM",
            description = CopyOptions.DIGEST_DOC + " Default ${DEFAULT-VALUE}; a copy resumes from its checkpoints only"
                    + " with the algorithm they were made with (see docs/copy-engine.md).")
    String digest = CopyOptions.DEFAULT_DIGEST.id();

    @Option(names = "--no-reflink", description = "Always write the bytes; by default: " + CopyOptions.REFLINK_DOC)
    boolean noReflink;

    /**
     * The engine options these values give.
     *
     * @throws UserError (usage) naming the option that is out of range
     */
    CopyOptions options() {
        if (chunkMib < 1 || chunkMib > CopyOptions.MAX_CHUNK_SIZE / CopyOptions.MIB) {
            throw UserError.usage("--chunk-mib must be from 1 to 256, got " + chunkMib + ".");
        }
        if (checkpointMib < chunkMib) {
            throw UserError.usage("--checkpoint-mib must be at least --chunk-mib (" + chunkMib + "), got "
                    + checkpointMib + ".");
        }
        DiskDigest.Algorithm algorithm;
        try {
            algorithm = DiskDigest.Algorithm.parse(digest);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--digest: " + e.getMessage() + ".");
        }
        try {
            return CopyOptions.defaults().withChunkSize(chunkMib * CopyOptions.MIB)
                    .withForceBytes((long) checkpointMib * CopyOptions.MIB).withMaxInFlight(parallel)
                    .withVerify(verify).withIoMode(ioMode).withDigest(algorithm).withReflink(!noReflink);
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage() + ".");
        }
    }
}
