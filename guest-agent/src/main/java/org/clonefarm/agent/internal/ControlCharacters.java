package org.clonefarm.agent.internal;

/**
 * Control characters in values that come from outside (a NAMES entry, the state file): how to
 * find them, and how to show such a value in a one-line message ({@code \n}, {@code \t},
 * {@code \u0085}) so it cannot add lines to a log, an event or the terminal. Stateless.
 */
public final class ControlCharacters {

    private ControlCharacters() {
    }

    /** Whether {@code c} is a C0 or C1 control character or DEL (tab and newline included). */
    public static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7F && c <= 0x9F);
    }

    /** The index of the first control character, or -1. */
    public static int indexIn(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (isControl(text.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** The text with each control character and backslash written as an escape. */
    public static String escape(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (isControl(c)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
