package org.clonefarm.platform.geometry;

import java.util.Locale;
import java.util.Optional;

/**
 * The 3390 models by capacity in cylinders. A volume of another size (any count from 1 to
 * {@link Dasd3390#MAX_CYLINDERS}) is allowed too; these are the sizes people ask for by name.
 */
public enum Model3390 {
    MOD_1("3390-01", 1_113),
    MOD_2("3390-02", 2_226),
    MOD_3("3390-03", 3_339),
    MOD_9("3390-09", 10_017),
    MOD_27("3390-27", 30_051),
    MOD_54("3390-54", 60_102),
    /** The 32,760-cylinder size storage controllers offer (often still called a mod 27). */
    MOD_32K("3390-32K", 32_760),
    /** The 65,520-cylinder size storage controllers offer (often still called a mod 54). */
    MOD_64K("3390-64K", 65_520);

    private final String label;
    private final long cylinders;

    Model3390(String label, long cylinders) {
        this.label = label;
        this.cylinders = cylinders;
    }

    /** The name as DirMaint writes a device type with a capacity suffix, e.g. {@code 3390-09}. */
    public String label() {
        return label;
    }

    /** Capacity in cylinders. */
    public long cylinders() {
        return cylinders;
    }

    /** Capacity in bytes as the simulation maps it (see {@link Dasd3390}). */
    public long bytes() {
        return Dasd3390.cylindersToBytes(cylinders);
    }

    /**
     * The model named {@code text}: its label ({@code 3390-09}, {@code 3390-9}) or a short form
     * ({@code 9}, {@code mod9}, {@code 3390-32K}); empty when none matches.
     */
    public static Optional<Model3390> byName(String text) {
        String t = text.toUpperCase(Locale.ROOT).replace("MOD", "").replace("3390-", "").replace("-", "");
        for (Model3390 model : values()) {
            String suffix = model.label.substring("3390-".length());
            if (t.equals(suffix) || (suffix.startsWith("0") && t.equals(suffix.substring(1)))) {
                return Optional.of(model);
            }
        }
        return Optional.empty();
    }

    /** The model with exactly {@code cylinders} cylinders, if there is one. */
    public static Optional<Model3390> ofCylinders(long cylinders) {
        for (Model3390 model : values()) {
            if (model.cylinders == cylinders) {
                return Optional.of(model);
            }
        }
        return Optional.empty();
    }
}
