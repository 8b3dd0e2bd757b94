package org.clonefarm.platform.directory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.clonefarm.platform.ids.Vaddr;

/**
 * {@code DEDICATE vaddr rdev [options]}: a real device given to the virtual machine alone. Immutable.
 *
 * @param vaddr the virtual address
 * @param rdev the real device number (or a volser for DASD), as written
 * @param options further operands as written (R/O, ...)
 */
public record DedicateStatement(Vaddr vaddr, String rdev, List<String> options) implements Statement {

    public DedicateStatement {
        Objects.requireNonNull(vaddr, "vaddr");
        Objects.requireNonNull(rdev, "rdev");
        options = List.copyOf(options);
    }

    @Override
    public String keyword() {
        return "DEDICATE";
    }

    @Override
    public List<String> tokens() {
        List<String> tokens = new ArrayList<>(List.of("DEDICATE", vaddr.value(), rdev));
        tokens.addAll(options);
        return tokens;
    }
}
