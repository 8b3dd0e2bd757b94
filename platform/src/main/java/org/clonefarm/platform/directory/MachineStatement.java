package org.clonefarm.platform.directory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code MACHINE mode [maxcpu]}: the virtual machine's architecture ({@code ESA}, {@code XA},
 * {@code XC}, {@code Z}) and the number of virtual CPUs it may define. Immutable.
 *
 * @param mode the architecture mode
 * @param options further operands as written (usually the CPU count)
 */
public record MachineStatement(String mode, List<String> options) implements Statement {

    public MachineStatement {
        Objects.requireNonNull(mode, "mode");
        options = List.copyOf(options);
    }

    @Override
    public String keyword() {
        return "MACHINE";
    }

    @Override
    public List<String> tokens() {
        List<String> tokens = new ArrayList<>(List.of("MACHINE", mode));
        tokens.addAll(options);
        return tokens;
    }
}
