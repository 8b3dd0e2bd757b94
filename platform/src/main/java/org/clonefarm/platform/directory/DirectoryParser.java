package org.clonefarm.platform.directory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;

/**
 * Reads USER DIRECT text into statements and entries. Columns 73-80 of a line are CP's sequence
 * field and are ignored, as CP ignores them. Keywords are case-insensitive; userids, vaddrs, device
 * types and modes are normalized to upper case, passwords and IPL parameters are kept as written.
 *
 * <p>Not thread-safe; one instance per parse.
 */
final class DirectoryParser {

    /** Columns of a directory statement; the rest of a card is the sequence field. */
    static final int COLUMNS = 72;

    private final String source;
    private int line;

    DirectoryParser(String source) {
        this.source = source;
    }

    UserDirectory parse(String text) {
        List<Statement> preamble = new ArrayList<>();
        List<DirectoryEntry> entries = new ArrayList<>();
        EntryHeader header = null;
        int headerLine = 0;
        List<Statement> body = new ArrayList<>();
        List<Integer> bodyLines = new ArrayList<>();
        String[] rawLines = text.split("\r?\n", -1);
        int count = rawLines.length;
        if (count > 0 && rawLines[count - 1].isEmpty()) {
            count--; // the newline that ends the last line does not start another
        }
        for (int i = 0; i < count; i++) {
            line = i + 1;
            Statement statement = parseLine(rawLines[i]);
            if (statement instanceof EntryHeader next) {
                if (header != null) {
                    entries.add(entry(header, headerLine, body, bodyLines));
                }
                header = next;
                headerLine = line;
                body = new ArrayList<>();
                bodyLines = new ArrayList<>();
            } else if (header == null) {
                if (!(statement instanceof CommentLine || statement instanceof UnknownStatement)) {
                    throw error(statement.keyword() + " statement outside an entry: the first entry starts with USER, IDENTITY or PROFILE");
                }
                preamble.add(statement);
            } else {
                body.add(statement);
                bodyLines.add(line);
            }
        }
        if (header != null) {
            entries.add(entry(header, headerLine, body, bodyLines));
        }
        UserDirectory directory = new UserDirectory(preamble, source);
        for (DirectoryEntry entry : entries) {
            directory.addAsRead(entry);
        }
        return directory;
    }

    private static DirectoryEntry entry(EntryHeader header, int headerLine, List<Statement> body, List<Integer> bodyLines) {
        int[] lines = new int[body.size() + 1];
        lines[0] = headerLine;
        for (int i = 0; i < bodyLines.size(); i++) {
            lines[i + 1] = bodyLines.get(i);
        }
        return DirectoryEntry.read(header, body, lines);
    }

    /** One line (a whole card, sequence field included) as a statement. */
    Statement parseLine(String raw) {
        String card = raw.length() > COLUMNS ? raw.substring(0, COLUMNS) : raw;
        card = card.replace('\t', ' ').stripTrailing();
        if (card.isEmpty()) {
            return new CommentLine("");
        }
        if (card.charAt(0) == '*') {
            return new CommentLine(card);
        }
        String[] words = card.strip().split(" +");
        String keyword = words[0].toUpperCase(Locale.ROOT);
        try {
            return switch (keyword) {
                case "USER", "IDENTITY" -> user(keyword.equals("IDENTITY"), words);
                case "PROFILE" -> new ProfileStatement(userid(words, 1, "profile name"));
                case "INCLUDE" -> new IncludeStatement(userid(words, 1, "profile name"));
                case "MDISK" -> mdisk(words, card);
                case "LINK" -> link(words);
                case "IPL" -> ipl(words);
                case "MACHINE" -> new MachineStatement(word(words, 1, "architecture mode").toUpperCase(Locale.ROOT), upperRest(words, 2));
                case "NICDEF" -> new NicdefStatement(vaddr(words, 1), upperRest(words, 2));
                case "DEDICATE" -> new DedicateStatement(vaddr(words, 1), word(words, 2, "real device").toUpperCase(Locale.ROOT), upperRest(words, 3));
                case "CONSOLE" -> new ConsoleStatement(vaddr(words, 1), word(words, 2, "device type").toUpperCase(Locale.ROOT), upperRest(words, 3));
                case "SPOOL" -> new SpoolStatement(vaddr(words, 1), word(words, 2, "device type").toUpperCase(Locale.ROOT), upperRest(words, 3));
                default -> new UnknownStatement(card);
            };
        } catch (IllegalArgumentException e) {
            throw error(keyword + ": " + e.getMessage());
        }
    }

    private Statement user(boolean identity, String[] words) {
        Userid userid = userid(words, 1, "userid");
        String password = word(words, 2, "password");
        String storage = words.length > 3 ? words[3].toUpperCase(Locale.ROOT) : null;
        String maxStorage = words.length > 4 ? words[4].toUpperCase(Locale.ROOT) : null;
        String classes = words.length > 5 ? words[5].toUpperCase(Locale.ROOT) : null;
        List<String> more = words.length > 6 ? upperRest(words, 6) : List.of();
        return new UserStatement(identity, userid, password, storage, maxStorage, classes, more);
    }

    private Statement mdisk(String[] words, String card) {
        Vaddr vaddr = vaddr(words, 1);
        String typeWord = word(words, 2, "device type").toUpperCase(Locale.ROOT);
        DeviceType type = switch (typeWord) {
            case "3390" -> DeviceType.DASD_3390;
            case "FB-512" -> DeviceType.FB_512;
            default -> null;
        };
        if (type == null) {
            return new UnknownStatement(card); // 3380, 9345, ...: kept, not modelled
        }
        String what = word(words, 3, "start, V-DISK, T-DISK, DEVNO or AUTOG").toUpperCase(Locale.ROOT);
        MdiskLocation location;
        int next;
        switch (what) {
            case "V-DISK" -> {
                location = new MdiskLocation.VDisk(number(words, 4, "V-DISK block count"));
                next = 5;
            }
            case "T-DISK" -> {
                location = new MdiskLocation.TDisk(number(words, 4, "T-DISK size"));
                next = 5;
            }
            case "DEVNO" -> {
                String rdev = word(words, 4, "real device number");
                if (!Vaddr.isValid(rdev)) {
                    throw new IllegalArgumentException("DEVNO '" + rdev + "' is not a device number (1-4 hex digits)");
                }
                location = new MdiskLocation.Devno(rdev.toUpperCase(Locale.ROOT));
                next = 5;
            }
            case "AUTOG" -> {
                location = new MdiskLocation.AutoGroup(number(words, 4, "AUTOG size"), word(words, 5, "group name").toUpperCase(Locale.ROOT));
                next = 6;
            }
            default -> {
                long start = number(words, 3, "start " + type.unit());
                String sizeWord = word(words, 4, "size in " + type.unit() + "s or END");
                long size = sizeWord.equalsIgnoreCase("END") ? MdiskLocation.END : number(words, 4, "size in " + type.unit() + "s");
                location = new MdiskLocation.OnVolume(start, size, word(words, 5, "volume serial").toUpperCase(Locale.ROOT));
                next = 6;
            }
        }
        String mode = words.length > next ? words[next].toUpperCase(Locale.ROOT) : null;
        List<String> passwords = words.length > next + 1 ? Arrays.asList(words).subList(next + 1, words.length) : List.of();
        return new MdiskStatement(vaddr, type, location, mode, passwords);
    }

    private Statement link(String[] words) {
        if (words.length > 1 && words[1].equals("*")) {
            throw new IllegalArgumentException("owner '*' is not supported here: name the owner's userid");
        }
        Userid owner = userid(words, 1, "owner");
        Vaddr vaddr = vaddr(words, 2);
        Vaddr myVaddr = vaddr(words, 3);
        String mode = words.length > 4 ? words[4].toUpperCase(Locale.ROOT) : null;
        if (words.length > 5) {
            throw new IllegalArgumentException("unexpected '" + words[5] + "' after the link mode");
        }
        return new LinkStatement(owner, vaddr, myVaddr, mode);
    }

    private Statement ipl(String[] words) {
        String target = word(words, 1, "device or system name").toUpperCase(Locale.ROOT);
        if (Vaddr.isValid(target) && target.chars().anyMatch(Character::isDigit)) {
            target = Vaddr.of(target).value();
        }
        return new IplStatement(target, words.length > 2 ? Arrays.asList(words).subList(2, words.length) : List.of());
    }

    private static String word(String[] words, int index, String what) {
        if (words.length <= index) {
            throw new IllegalArgumentException("missing " + what);
        }
        return words[index];
    }

    private static Userid userid(String[] words, int index, String what) {
        String text = word(words, index, what).toUpperCase(Locale.ROOT);
        if (!Userid.isValid(text)) {
            throw new IllegalArgumentException(what + " '" + words[index] + "' is not 1-8 characters of A-Z 0-9 @ # $");
        }
        return new Userid(text);
    }

    private static Vaddr vaddr(String[] words, int index) {
        String text = word(words, index, "virtual device address");
        if (!Vaddr.isValid(text)) {
            throw new IllegalArgumentException("'" + text + "' is not a virtual device address (1-4 hex digits)");
        }
        return Vaddr.of(text);
    }

    private static long number(String[] words, int index, String what) {
        String text = word(words, index, what);
        try {
            long value = Long.parseLong(text);
            if (value < 0) {
                throw new IllegalArgumentException(what + " '" + text + "' is negative");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + text + "' is not a number");
        }
    }

    private static List<String> upperRest(String[] words, int from) {
        List<String> rest = new ArrayList<>();
        for (int i = from; i < words.length; i++) {
            rest.add(words[i].toUpperCase(Locale.ROOT));
        }
        return rest;
    }

    private DirectoryException error(String message) {
        return new DirectoryException(source, line, message);
    }
}
