package org.clonefarm.agent;

import java.time.Duration;
import java.util.List;
import org.clonefarm.agent.internal.CommandIdentity;

/**
 * Tells the agent which guest it runs in. On z/VM it asks CP ({@code Q USERID} through vmcp);
 * elsewhere the userid is given ({@code --userid}, or the local runtime's answer). Implementations
 * are thread-safe.
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
     * Runs a command that prints CP's answer to {@code Q USERID} ({@code LINUX001 AT ZVMSYS1}),
     * such as {@code vmcp q userid}, and takes its first word as the userid.
     */
    static Identity ofCommand(List<String> command, Duration timeout) {
        return new CommandIdentity(command, timeout);
    }
}
