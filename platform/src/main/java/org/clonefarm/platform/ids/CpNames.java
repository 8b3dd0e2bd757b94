package org.clonefarm.platform.ids;

/** The character rule CP applies to userids and volume serials: A-Z, 0-9, {@code @}, {@code #}, {@code $}. */
final class CpNames {

    private CpNames() {
    }

    /** Whether {@code text} (exactly as given, no case folding) is 1 to {@code maxLength} such characters. */
    static boolean isValid(String text, int maxLength) {
        if (text == null || text.isEmpty() || text.length() > maxLength) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '@' || c == '#' || c == '$';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
