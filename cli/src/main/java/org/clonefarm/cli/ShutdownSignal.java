package org.clonefarm.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT (Ctrl-C) into a request to stop that a long-running command awaits, so
 * it can shut down cleanly and exit 0, instead of the JVM's default exit status 143 or 130.
 * Thread-safe.
 */
final class ShutdownSignal {
    private final CountDownLatch requested = new CountDownLatch(1);
    private volatile String signalName;

    /** Installs the handlers for TERM and INT; a second signal of either kind forces the exit. */
    static ShutdownSignal install() {
        ShutdownSignal signal = new ShutdownSignal();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), received -> {
                if (signal.requested.getCount() == 0) {
                    Runtime.getRuntime().halt(128 + received.getNumber());
                }
                signal.signalName = "SIG" + received.getName();
                signal.requested.countDown();
            });
        }
        return signal;
    }

    /** Blocks until a signal arrives; returns its name. */
    String await() throws InterruptedException {
        requested.await();
        return signalName;
    }

    /** Waits up to the timeout; true when a signal arrived. */
    boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return requested.await(timeout, unit);
    }

    /** Requests the stop from inside the program (a component failed). */
    void request(String reason) {
        signalName = reason;
        requested.countDown();
    }
}
