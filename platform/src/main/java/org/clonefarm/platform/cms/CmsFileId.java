package org.clonefarm.platform.cms;

import java.util.Locale;
import java.util.Objects;

/**
 * A CMS file's identity: file name, file type and file mode, as CMS writes them (upper case).
 *
 * <p>Name and type are 1 to 8 characters of {@code A-Z 0-9 $ # @ + - : _ ,}; lower-case letters are
 * accepted and upper-cased, so names match case-insensitively. The mode is a letter and a digit 0-6
 * ({@code A1} unless given). On one disk a file is found by name and type; the mode letter is the
 * letter the disk is accessed as, and only the mode number is stored per file. Immutable.
 *
 * @param name file name, upper case
 * @param type file type, upper case
 * @param mode file mode, letter and digit, upper case
 */
public record CmsFileId(String name, String type, String mode) {

    /** The mode of files written without one. */
    public static final String DEFAULT_MODE = "A1";

    private static final String ALLOWED = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$#@+-:_,";

    public CmsFileId {
        name = checkPart(name, "file name");
        type = checkPart(type, "file type");
        Objects.requireNonNull(mode, "mode");
        mode = mode.toUpperCase(Locale.ROOT);
        if (mode.length() != 2 || mode.charAt(0) < 'A' || mode.charAt(0) > 'Z'
                || mode.charAt(1) < '0' || mode.charAt(1) > '6') {
            throw new IllegalArgumentException("file mode '" + mode + "' is not a letter followed by a digit 0-6 (e.g. A1)");
        }
    }

    /** A file with the default mode {@code A1}. */
    public static CmsFileId of(String name, String type) {
        return new CmsFileId(name, type, DEFAULT_MODE);
    }

    /**
     * The file id as people write it: {@code FN FT [FM]}, words separated by blanks, in any case, the
     * mode {@code A1} when none is given ({@code LINUX NAMES}, {@code clones names b2}). The one parser of
     * file ids given as text (settings, options), so every place refuses a bad one with the same message.
     *
     * @throws IllegalArgumentException naming the text and what is wrong with it
     */
    public static CmsFileId parse(String text) {
        Objects.requireNonNull(text, "text");
        String[] words = text.trim().split("\\s+");
        if (words.length < 2 || words.length > 3) {
            throw new IllegalArgumentException("'" + text + "' is not a CMS file id FN FT [FM], such as LINUX NAMES");
        }
        try {
            return words.length == 2 ? of(words[0], words[1]) : new CmsFileId(words[0], words[1], words[2]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a CMS file id FN FT [FM]: " + e.getMessage(), e);
        }
    }

    /** Name and type as messages name a file, without the mode: {@code LINUX NAMES}. */
    public String nameAndType() {
        return name + " " + type;
    }

    /** Whether name and type are the same (the mode does not take part, as on one CMS disk). */
    public boolean sameFile(CmsFileId other) {
        return name.equals(other.name) && type.equals(other.type);
    }

    private static String checkPart(String part, String what) {
        Objects.requireNonNull(part, what);
        String upper = part.toUpperCase(Locale.ROOT);
        if (upper.isEmpty() || upper.length() > 8) {
            throw new IllegalArgumentException(what + " '" + part + "' must be 1 to 8 characters");
        }
        for (int i = 0; i < upper.length(); i++) {
            if (ALLOWED.indexOf(upper.charAt(i)) < 0) {
                throw new IllegalArgumentException(what + " '" + part + "' has the character '" + part.charAt(i)
                        + "'; allowed are A-Z 0-9 $ # @ + - : _ ,");
            }
        }
        return upper;
    }

    @Override
    public String toString() {
        return name + " " + type + " " + mode;
    }
}
