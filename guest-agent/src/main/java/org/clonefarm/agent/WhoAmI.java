package org.clonefarm.agent;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The answer to "who am I": the guest's z/VM userid (1-8 of A-Z 0-9 @ # $, upper case) and, when
 * known, the z/VM system name ({@code LINUX001 AT ZVMSYS1}). Immutable.
 */
public record WhoAmI(String userid, String system) {
    private static final Pattern USERID = Pattern.compile("[A-Z0-9@#$]{1,8}");

    public WhoAmI {
        Objects.requireNonNull(userid, "userid");
        system = system == null ? "" : system;
    }

    /**
     * Validates and upper-cases a userid.
     *
     * @throws AgentException (step identify, not retryable) naming the value when it is no userid
     */
    public static WhoAmI of(String userid, String system) {
        String upper = userid == null ? "" : userid.trim().toUpperCase(Locale.ROOT);
        if (!USERID.matcher(upper).matches()) {
            throw new AgentException(AgentStep.IDENTIFY, "'" + userid + "' is not a z/VM userid"
                    + " (1 to 8 of A-Z, 0-9, @, # and $)", false);
        }
        return new WhoAmI(upper, system);
    }
}
