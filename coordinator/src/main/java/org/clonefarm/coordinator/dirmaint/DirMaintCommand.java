package org.clonefarm.coordinator.dirmaint;

import java.util.List;
import java.util.Objects;

/**
 * One DirMaint command for one clone, as words: {@code DIRM ADD LINUX001 LIKE LNXPROTO PW AUTOONLY},
 * {@code DIRM FOR LINUX001 AMDISK 0200 3390 1 20 LX0001 MR}. The first word is always {@code DIRM}.
 * Immutable.
 *
 * @param userid the clone the command is for
 * @param words the command's words, {@code DIRM} first
 */
public record DirMaintCommand(String userid, List<String> words) {

    public DirMaintCommand {
        Objects.requireNonNull(userid, "userid");
        words = List.copyOf(words);
        if (words.isEmpty() || !words.get(0).equals("DIRM")) {
            throw new IllegalArgumentException("a DirMaint command starts with DIRM: " + words);
        }
        for (String word : words) {
            if (word.isEmpty() || word.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("DirMaint command word '" + word + "' is empty or has blanks: " + words);
            }
        }
    }

    /** The command as one line, words separated by one blank. */
    public String text() {
        return String.join(" ", words);
    }

    /** The command parsed back from {@link #text()}. */
    public static DirMaintCommand parse(String userid, String text) {
        return new DirMaintCommand(userid, List.of(text.trim().split("\\s+")));
    }

    @Override
    public String toString() {
        return text();
    }
}
