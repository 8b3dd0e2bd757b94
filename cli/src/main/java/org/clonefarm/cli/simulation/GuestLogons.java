package org.clonefarm.cli.simulation;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.clonefarm.platform.ids.Userid;

/**
 * The logons of one guest runtime ({@link LoopMountGuestRuntime}, {@link QemuGuestRuntime}): at most one running
 * guest per userid, the outcome future of each userid's latest logon, the executor that runs the logons, and the
 * closed flag after which no guest boots. Both runtimes keep their guests here, so that a second XAUTOLOG of a
 * running guest and a boot after close are refused the same way, with the same sentences.
 *
 * <p>A guest is running from {@link #start} until its own thread calls {@link #ended}, which it must do before it
 * logs the user off (a new XAUTOLOG after the logoff must find the guest stopped); its outcome future stays, for
 * {@link #outcome}, until the next logon of the same userid replaces it.
 *
 * <p>Thread-safe: every method may be called from any thread. {@link #close()} only sets the flag; the runtime
 * stops its guests and then ends the executor ({@link #shutdown}, {@link #shutdownNow}).
 *
 * @param <G> the runtime's guest: one logon
 * @param <O> how a logon ended
 */
final class GuestLogons<G, O> {
    private final String runtime;
    private final ExecutorService executor;
    private final Map<Userid, G> running = new ConcurrentHashMap<>();
    private final Map<Userid, CompletableFuture<O>> outcomes = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param runtime the runtime as the refusal to boot names it, such as {@code "the QEMU guest runtime"}
     * @param executor runs the logons; owned from now on (ended by {@link #shutdown} and {@link #shutdownNow})
     */
    GuestLogons(String runtime, ExecutorService executor) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /**
     * Registers {@code guest} as {@code userid}'s running guest and a new outcome future for it, then runs
     * {@code logon} on the executor; the future completes with what {@code logon} returns.
     *
     * @throws IllegalStateException when closed (or the executor refuses the logon: nothing stays registered
     *     then), or when {@code userid}'s guest is still running
     */
    void start(Userid userid, G guest, Supplier<? extends O> logon) {
        if (closed) {
            throw new IllegalStateException(runtime + " is closed; " + userid + " cannot boot");
        }
        if (running.putIfAbsent(userid, guest) != null) {
            throw new IllegalStateException("the guest of " + userid + " is still running");
        }
        CompletableFuture<O> outcome = new CompletableFuture<>();
        outcomes.put(userid, outcome);
        try {
            executor.execute(() -> outcome.complete(logon.get()));
        } catch (RuntimeException e) {
            running.remove(userid, guest);
            outcomes.remove(userid, outcome);
            throw new IllegalStateException(runtime + " is closed; " + userid + " cannot boot", e);
        }
    }

    /** The guest's own end: {@code userid} no longer runs {@code guest} (a newer guest of it stays). */
    void ended(Userid userid, G guest) {
        running.remove(userid, guest);
    }

    /** The outcome of {@code userid}'s latest logon; empty when it never booted here. */
    Optional<CompletableFuture<O>> outcome(Userid userid) {
        return Optional.ofNullable(outcomes.get(userid));
    }

    /**
     * Stops {@code userid}'s running guest with {@code stop} and waits up to {@code wait} for its outcome; does
     * nothing when no guest of it runs.
     *
     * @throws Exception what waiting for the outcome throws: a timeout, an interrupt, the logon's failure
     */
    void halt(Userid userid, Consumer<? super G> stop, Duration wait) throws Exception {
        G guest = running.get(userid);
        if (guest == null) {
            return;
        }
        stop.accept(guest);
        CompletableFuture<O> outcome = outcomes.get(userid);
        if (outcome != null) {
            outcome.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The userids whose guests run now. */
    Set<Userid> running() {
        return Set.copyOf(running.keySet());
    }

    /** The guests running now. */
    List<G> guests() {
        return List.copyOf(running.values());
    }

    /** Refuses every later boot. Returns true for the one call that closed it, false when it was closed already. */
    synchronized boolean close() {
        if (closed) {
            return false;
        }
        closed = true;
        return true;
    }

    /** Lets the logons on the executor end and waits up to {@code wait}; true when they all ended. */
    boolean shutdown(Duration wait) throws InterruptedException {
        executor.shutdown();
        return executor.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Interrupts the logons still on the executor and waits up to {@code wait}; true when they all ended. */
    boolean shutdownNow(Duration wait) throws InterruptedException {
        executor.shutdownNow();
        return executor.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
    }
}
