package org.clonefarm.agent.internal;

import java.util.Objects;
import org.clonefarm.agent.AgentException;
import org.clonefarm.agent.AgentStep;
import org.clonefarm.agent.Identity;
import org.clonefarm.agent.WhoAmI;
import org.clonefarm.platform.cp.Cp;
import org.clonefarm.platform.cp.CpException;
import org.clonefarm.platform.cp.UseridReply;

/**
 * Asks CP who this guest is ({@code QUERY USERID}) through a platform {@link Cp}. Thread-safe:
 * every call asks anew, and {@link Cp} implementations are thread-safe.
 */
public final class CpIdentity implements Identity {
    private final Cp cp;

    public CpIdentity(Cp cp) {
        this.cp = Objects.requireNonNull(cp, "cp");
    }

    @Override
    public WhoAmI whoAmI() {
        UseridReply reply;
        try {
            reply = cp.queryUserid();
        } catch (CpException e) {
            throw new AgentException(AgentStep.IDENTIFY, "CP did not answer Q USERID: " + e.getMessage(),
                    e.retryable(), e);
        }
        return WhoAmI.of(reply.userid().value(), reply.system());
    }
}
