package org.clonefarm.platform.directory;

import java.util.Objects;
import org.clonefarm.platform.ids.Userid;

/**
 * The userid and password of an entry to be made from a {@link Prototype}. Immutable.
 *
 * @param userid the new userid
 * @param password its logon password (or NOLOG, AUTOONLY, ...), 1-8 characters without blanks
 */
public record NewUser(Userid userid, String password) {

    public NewUser {
        Objects.requireNonNull(userid, "userid");
        Objects.requireNonNull(password, "password");
        if (password.isEmpty() || password.length() > 8 || password.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("password of " + userid + " must be 1-8 characters without blanks");
        }
    }
}
