package org.clonefarm.cli.console;

/**
 * How the user runs clonefarm, for the hints that tell them what to type next ({@code check it: bin/clonefarm
 * verify ...}). The launcher {@code bin/clonefarm} passes it as the system property {@value #PROPERTY}: the
 * path as typed ({@code bin/clonefarm}, {@code ./bin/clonefarm}, ...), or {@code clonefarm} when that is what
 * the shell's PATH finds. Without the property (the jar run with {@code java -jar}) it is {@code clonefarm}.
 */
public final class Invocation {
    /** The system property the launcher sets. */
    public static final String PROPERTY = "clonefarm.command";
    private static final String DEFAULT = "clonefarm";

    private Invocation() {
    }

    /** The command to type, without arguments: {@code bin/clonefarm} or {@code clonefarm}. */
    public static String command() {
        String typed = System.getProperty(PROPERTY);
        return typed == null || typed.isBlank() ? DEFAULT : typed.strip();
    }

    /** {@code command()} followed by {@code arguments}: {@code bin/clonefarm verify web-01}. */
    public static String command(String arguments) {
        return command() + " " + arguments;
    }
}
