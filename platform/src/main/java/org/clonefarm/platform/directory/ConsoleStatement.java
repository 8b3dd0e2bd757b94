package org.clonefarm.platform.directory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.clonefarm.platform.ids.Vaddr;

/**
 * {@code CONSOLE vaddr devtype [class [userid]]}: the virtual console, e.g. {@code CONSOLE 0009 3215 T}.
 * Immutable.
 *
 * @param vaddr the console's address
 * @param deviceType the console device type, e.g. {@code 3215}
 * @param options further operands as written
 */
public record ConsoleStatement(Vaddr vaddr, String deviceType, List<String> options) implements Statement {

    public ConsoleStatement {
        Objects.requireNonNull(vaddr, "vaddr");
        Objects.requireNonNull(deviceType, "deviceType");
        options = List.copyOf(options);
    }

    @Override
    public String keyword() {
        return "CONSOLE";
    }

    @Override
    public List<String> tokens() {
        List<String> tokens = new ArrayList<>(List.of("CONSOLE", vaddr.value(), deviceType));
        tokens.addAll(options);
        return tokens;
    }
}
