package org.clonefarm.agent;

import org.clonefarm.agent.internal.CpIdentity;
import org.clonefarm.platform.cp.Cp;

/**
 * Tells the agent which guest it runs in. On z/VM it asks CP ({@code Q USERID} through the
 * platform's {@link org.clonefarm.platform.cp.VmcpCp}); elsewhere the userid is given
 * ({@code --userid}, or the local runtime's answer). Implementations are thread-safe.
 */
public interface Identity {

    /**
     * @throws AgentException with step {@link AgentStep#IDENTIFY} when the answer cannot be had
     */
    WhoAmI whoAmI();

    /** A fixed answer: the userid given on the command line or by the local runtime. */
    static Identity fixed(String userid) {
        WhoAmI answer = WhoAmI.of(userid, "");
        return () -> answer;
    }

    /**
     * CP's answer to {@code QUERY USERID} ({@code LINUX001 AT ZVMSYS1}) through {@code cp}: a
     * {@link org.clonefarm.platform.cp.VmcpCp} on z/VM, a {@code SimulatedCp} session in the simulation.
     * A CP error is an identify failure, retryable as CP says.
     */
    static Identity ofCp(Cp cp) {
        return new CpIdentity(cp);
    }
}
