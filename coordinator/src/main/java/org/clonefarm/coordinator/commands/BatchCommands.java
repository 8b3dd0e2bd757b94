package org.clonefarm.coordinator.commands;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.clonefarm.coordinator.spec.SpecProblem;

/**
 * What an operator can ask of the farm: submit a clone spec, retry or cancel clones of a batch.
 * The command line and the HTTP API both go through this one interface. Implementations are
 * thread-safe; every method's future fails with {@link BatchCommandException} for a request that
 * cannot be carried out (with the problems, for a bad spec).
 */
public interface BatchCommands {

    /**
     * The outcome of a submit.
     *
     * @param requestsResent for a batch submitted before: how many clones still PLANNED got their request
     *     again (an earlier submit may have ended between its events and its requests)
     */
    record Submitted(String batchId, int clones, long bytesToCopy, boolean alreadySubmitted, int requestsResent) {
        public Submitted(String batchId, int clones, long bytesToCopy, boolean alreadySubmitted) {
            this(batchId, clones, bytesToCopy, alreadySubmitted, 0);
        }
    }

    /**
     * Plans and applies a spec: directory entries, the NAMES file, one clone request per clone.
     * Submitting the same spec again changes nothing ({@code alreadySubmitted}) except that clones still
     * PLANNED get their request again; a changed spec under an existing batch name is refused.
     */
    CompletableFuture<Submitted> submit(String specYaml);

    /** Publishes the clones' requests again with attempt + 1; all FAILED or CANCELLED clones when none are named. */
    CompletableFuture<List<String>> retry(String batchId, List<String> userids);

    /**
     * Refreshes clones from their master as it is now: each gets a new attempt that is a refresh of one
     * master version (named here, one per call); the coordinator stops its guest (FORCE), the worker rewrites
     * only the chunks that differ from the master and starts it again to finalize. All READY and FAILED
     * clones of the batch when none are named.
     *
     * @return the clones refreshed and the master version they are refreshed to
     */
    default CompletableFuture<Refreshed> refresh(String batchId, List<String> userids) {
        return CompletableFuture.failedFuture(new BatchCommandException(BatchCommandException.Kind.BAD_REQUEST,
                "this farm cannot refresh clones", List.of()));
    }

    /** The outcome of a refresh: the clones and the master version they are refreshed to. */
    record Refreshed(List<String> userids, String masterVersion) {
        public Refreshed {
            userids = List.copyOf(userids);
        }
    }

    /** Cancels the clones; all clones of the batch that are not READY when none are named. */
    CompletableFuture<List<String>> cancel(String batchId, List<String> userids);

    /** A request that cannot be carried out: unknown batch or clone, a bad spec, a refused change. */
    class BatchCommandException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient List<SpecProblem> problems;
        private final Kind kind;

        public enum Kind { BAD_REQUEST, NOT_FOUND, CONFLICT }

        public BatchCommandException(Kind kind, String message, List<SpecProblem> problems) {
            super(message);
            this.kind = kind;
            this.problems = problems == null ? List.of() : List.copyOf(problems);
        }

        public Kind kind() {
            return kind;
        }

        public List<SpecProblem> problems() {
            return problems;
        }
    }
}
