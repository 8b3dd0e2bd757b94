package org.clonefarm.platform.directory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code IPL vaddr|system [LOADPARM x] [PARM text]}: what the virtual machine boots at logon.
 * Immutable.
 *
 * @param target a vaddr (normalized to 4 hex digits when it is one) or a named system such as {@code CMS}
 * @param options the rest of the statement, word by word as written
 */
public record IplStatement(String target, List<String> options) implements Statement {

    public IplStatement {
        Objects.requireNonNull(target, "target");
        options = List.copyOf(options);
    }

    @Override
    public String keyword() {
        return "IPL";
    }

    @Override
    public List<String> tokens() {
        List<String> tokens = new ArrayList<>(List.of("IPL", target));
        tokens.addAll(options);
        return tokens;
    }
}
