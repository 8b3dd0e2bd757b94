package org.clonefarm.platform.directory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.clonefarm.platform.ids.Userid;

/**
 * {@code USER userid password [storage [maxstorage [privclasses [more ...]]]]} or the same with
 * {@code IDENTITY} (a multiconfiguration virtual machine): the first statement of an entry.
 * Optional operands are {@code null} when absent; a later one is present only if the earlier ones
 * are. Immutable.
 *
 * @param identity {@code true} for IDENTITY, {@code false} for USER
 * @param userid the virtual machine's userid
 * @param password the logon password, or {@code NOLOG}, {@code NOPASS}, {@code AUTOONLY}, {@code LBYONLY}
 * @param storage initial storage such as {@code 1G}, or {@code null}
 * @param maxStorage maximum storage such as {@code 2G}, or {@code null}
 * @param privClasses privilege classes such as {@code G}, or {@code null}
 * @param more further operands (priority, LOGONBY, ...) kept as written
 */
public record UserStatement(boolean identity, Userid userid, String password, String storage, String maxStorage,
        String privClasses, List<String> more) implements Statement, EntryHeader {

    public UserStatement {
        Objects.requireNonNull(userid, "userid");
        Objects.requireNonNull(password, "password");
        if (password.isEmpty() || password.length() > 8 || password.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("password of " + userid + " must be 1-8 characters without blanks");
        }
        if (storage == null && maxStorage != null || maxStorage == null && privClasses != null
                || privClasses == null && !more.isEmpty()) {
            throw new IllegalArgumentException("USER " + userid + ": an operand is given while an earlier one is missing");
        }
        more = List.copyOf(more);
    }

    /** A USER statement with storage sizes and privilege classes. */
    public static UserStatement user(Userid userid, String password, String storage, String maxStorage, String privClasses) {
        return new UserStatement(false, userid, password, storage, maxStorage, privClasses, List.of());
    }

    /** This statement for another userid and password (DirMaint {@code ADD newid LIKE proto}). */
    public UserStatement withIdentity(Userid newUserid, String newPassword) {
        return new UserStatement(identity, newUserid, newPassword, storage, maxStorage, privClasses, more);
    }

    @Override
    public Userid name() {
        return userid;
    }

    @Override
    public String keyword() {
        return identity ? "IDENTITY" : "USER";
    }

    @Override
    public List<String> tokens() {
        List<String> tokens = new ArrayList<>(List.of(keyword(), userid.value(), password));
        for (String operand : new String[] {storage, maxStorage, privClasses}) {
            if (operand != null) {
                tokens.add(operand);
            }
        }
        tokens.addAll(more);
        return tokens;
    }
}
