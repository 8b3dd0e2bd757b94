package org.clonefarm.platform.cp;

import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.simulation.SimulatedCp;

/**
 * What runs a guest in the local simulation: {@link SimulatedCp} calls it when CP would boot or stop
 * a virtual machine. The real runtime (loop-mounting the guest's disks and running the guest agent)
 * lives with the demo; tests may use a recording one.
 *
 * <p>Called with the user already marked logged on ({@link #boot}) or about to be marked logged off
 * ({@link #halt}); implementations must return promptly (start work asynchronously) and be
 * thread-safe. A guest that stops by itself reports it with {@link SimulatedCp#logoff(Userid)}.
 */
public interface GuestRuntime {

    /**
     * Boots {@code userid}'s guest (XAUTOLOG). The guest's own CP is {@code system.session(userid)}.
     *
     * @throws Exception if the guest cannot be started; the user is then logged off again and
     *     XAUTOLOG fails with the exception's message
     */
    void boot(Userid userid, SimulatedCp system) throws Exception;

    /** Stops {@code userid}'s guest (FORCE); must not throw for a guest that has already stopped. */
    void halt(Userid userid) throws Exception;
}
