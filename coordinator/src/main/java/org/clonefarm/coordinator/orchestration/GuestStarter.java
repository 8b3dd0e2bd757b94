package org.clonefarm.coordinator.orchestration;

/**
 * Starts a clone's guest: CP {@code XAUTOLOG} on z/VM or in the local simulation. Called from the
 * orchestrator's bounded pool, so an implementation may block; must be thread-safe.
 */
@FunctionalInterface
public interface GuestStarter {

    /**
     * Starts the guest.
     *
     * @return CP's reply, for the guest-started event
     * @throws GuestStartException when CP refuses; its retryable flag says whether trying later may help
     */
    String start(String userid) throws GuestStartException;

    /**
     * Stops the guest (CP {@code FORCE}) so its disks can be written; a guest that is not logged on counts as
     * stopped. This default cannot stop guests.
     *
     * @return CP's reply, for the guest-stopped event
     * @throws GuestStartException when CP refuses
     */
    default String stop(String userid) throws GuestStartException {
        throw new GuestStartException("this farm cannot stop guests (FORCE " + userid + ")", false, null);
    }

    /** Why a guest did not start. */
    class GuestStartException extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean retryable;

        public GuestStartException(String message, boolean retryable, Throwable cause) {
            super(message, cause);
            this.retryable = retryable;
        }

        public boolean retryable() {
            return retryable;
        }
    }
}
