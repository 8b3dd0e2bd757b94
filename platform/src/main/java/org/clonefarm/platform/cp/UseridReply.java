package org.clonefarm.platform.cp;

import java.util.Objects;
import org.clonefarm.platform.ids.Userid;

/**
 * The answer to {@code QUERY USERID}: {@code LINUX001 AT ZVMSYS1}. Immutable.
 *
 * @param userid this virtual machine's userid
 * @param system the z/VM system's name
 */
public record UseridReply(Userid userid, String system) {

    public UseridReply {
        Objects.requireNonNull(userid, "userid");
        Objects.requireNonNull(system, "system");
    }
}
