package org.clonefarm.platform.directory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.clonefarm.platform.ids.Vaddr;

/**
 * {@code SPOOL vaddr devtype [class ...]}: a virtual reader, punch or printer, e.g.
 * {@code SPOOL 000C 2540 READER *}. Immutable.
 *
 * @param vaddr the device's address
 * @param deviceType the unit record device type, e.g. {@code 2540} or {@code 1403}
 * @param options further operands as written
 */
public record SpoolStatement(Vaddr vaddr, String deviceType, List<String> options) implements Statement {

    public SpoolStatement {
        Objects.requireNonNull(vaddr, "vaddr");
        Objects.requireNonNull(deviceType, "deviceType");
        options = List.copyOf(options);
    }

    @Override
    public String keyword() {
        return "SPOOL";
    }

    @Override
    public List<String> tokens() {
        List<String> tokens = new ArrayList<>(List.of("SPOOL", vaddr.value(), deviceType));
        tokens.addAll(options);
        return tokens;
    }
}
