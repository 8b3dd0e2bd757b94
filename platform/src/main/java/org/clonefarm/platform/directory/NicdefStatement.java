package org.clonefarm.platform.directory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.clonefarm.platform.ids.Vaddr;

/**
 * {@code NICDEF vaddr [TYPE QDIO|HIPERS] [DEVICES n] [LAN owner name] [CHPID xx] [MACID xxxxxx]}: a
 * virtual network adapter. One adapter may be described by several NICDEF statements with the same
 * vaddr; each is kept as its own record. Immutable.
 *
 * @param vaddr the adapter's base address
 * @param options the operands after the vaddr, word by word as written
 */
public record NicdefStatement(Vaddr vaddr, List<String> options) implements Statement {

    public NicdefStatement {
        Objects.requireNonNull(vaddr, "vaddr");
        options = List.copyOf(options);
    }

    /** The word after {@code keyword} (e.g. {@code TYPE} gives {@code QDIO}), if present. */
    public Optional<String> option(String keyword) {
        for (int i = 0; i + 1 < options.size(); i++) {
            if (options.get(i).toUpperCase(Locale.ROOT).equals(keyword.toUpperCase(Locale.ROOT))) {
                return Optional.of(options.get(i + 1));
            }
        }
        return Optional.empty();
    }

    /** The LAN or virtual switch, as {@code owner name} (e.g. {@code SYSTEM VSWLNX}), if given. */
    public Optional<String> lan() {
        for (int i = 0; i + 2 < options.size(); i++) {
            if (options.get(i).equalsIgnoreCase("LAN")) {
                return Optional.of(options.get(i + 1) + " " + options.get(i + 2));
            }
        }
        return Optional.empty();
    }

    @Override
    public String keyword() {
        return "NICDEF";
    }

    @Override
    public List<String> tokens() {
        List<String> tokens = new ArrayList<>(List.of("NICDEF", vaddr.value()));
        tokens.addAll(options);
        return tokens;
    }
}
