package org.clonefarm.platform.directory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;

/**
 * {@code LINK owner vaddr myvaddr [mode]}: at logon the entry links {@code owner}'s minidisk
 * {@code vaddr} as its own {@code myvaddr}. Immutable.
 *
 * @param owner the minidisk's owner
 * @param vaddr the minidisk's address in the owner's entry
 * @param myVaddr the address the linking entry sees it at
 * @param mode link mode such as {@code RR} (read-only), {@code MR}, {@code MW}; {@code null} when omitted
 */
public record LinkStatement(Userid owner, Vaddr vaddr, Vaddr myVaddr, String mode) implements Statement {

    public LinkStatement {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(vaddr, "vaddr");
        Objects.requireNonNull(myVaddr, "myVaddr");
        if (mode != null && !LinkMode.isValid(mode)) {
            throw new IllegalArgumentException("LINK " + owner + " " + vaddr + ": '" + mode + "' is not a link mode");
        }
    }

    @Override
    public String keyword() {
        return "LINK";
    }

    @Override
    public List<String> tokens() {
        List<String> tokens = new ArrayList<>(List.of("LINK", owner.value(), vaddr.value(), myVaddr.value()));
        if (mode != null) {
            tokens.add(mode);
        }
        return tokens;
    }
}
