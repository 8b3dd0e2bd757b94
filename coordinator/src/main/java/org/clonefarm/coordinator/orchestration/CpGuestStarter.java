package org.clonefarm.coordinator.orchestration;

import java.util.Objects;
import org.clonefarm.platform.cp.Cp;
import org.clonefarm.platform.cp.CpException;
import org.clonefarm.platform.ids.Userid;

/**
 * Starts guests with CP {@code XAUTOLOG}, through {@code vmcp} on z/VM or the local simulation's
 * CP. A guest that is already logged on counts as started (a coordinator restarted between XAUTOLOG
 * and its event starts it again). Thread-safe as the {@link Cp} is.
 */
public final class CpGuestStarter implements GuestStarter {
    private final Cp cp;

    public CpGuestStarter(Cp cp) {
        this.cp = Objects.requireNonNull(cp, "cp");
    }

    @Override
    public String start(String userid) throws GuestStartException {
        try {
            return cp.xautolog(new Userid(userid)).text();
        } catch (CpException e) {
            if (e.kind() == CpException.Kind.ALREADY_LOGGED_ON) {
                return "already logged on: " + e.getMessage();
            }
            throw new GuestStartException(e.getMessage(), e.retryable(), e);
        }
    }

    @Override
    public String stop(String userid) throws GuestStartException {
        try {
            return cp.force(new Userid(userid)).text();
        } catch (CpException e) {
            if (e.kind() == CpException.Kind.NOT_LOGGED_ON) {
                return "not logged on: " + e.getMessage();
            }
            throw new GuestStartException(e.getMessage(), e.retryable(), e);
        }
    }
}
