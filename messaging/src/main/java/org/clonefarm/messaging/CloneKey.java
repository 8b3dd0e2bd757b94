package org.clonefarm.messaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One clone's own secret, for one attempt of its batch: the HMAC-SHA256 under the {@link FarmKey} of
 * the purpose {@value #PURPOSE}, the clone's userid, its batch and the attempt (decimal), each part
 * length-prefixed ({@link FarmKey#mac}). Nothing is stored per clone: the worker derives the key when it
 * has copied the clone's disks and writes it into the clone's own /var; the guest
 * agent reads it there and signs every event it sends ({@link GuestEventSignature}); the coordinator
 * derives it again to check them. A key speaks for exactly one userid, batch and attempt: a retry (attempt
 * + 1) gets a new key, so the old attempt's key cannot speak for the new one, and a clone's key says
 * nothing about any other clone.
 *
 * <p>Where it lives: {@code platform} {@code CloneLayout.CLONE_KEY} in the guest, on the clone's own /var
 * disk, the one disk every profile copies for the clone alone; never on the 191 or on a disk linked from
 * the master, which every clone can read. Mode 0600, owner root.
 *
 * <p>File format ({@link #toFileBytes}, {@link #parse}): lines of {@code name=value}, each of
 * {@code version} (1), {@code userid}, {@code batch}, {@code attempt} and {@code key} (64 lower-case hex
 * digits) exactly once; {@code #} lines are comments. The file says which clone and attempt the key is
 * for, so the agent stamps its events with that attempt.
 *
 * <p>Immutable and thread-safe; {@link #toString()} never shows the key.
 */
public final class CloneKey {
    /** Key length in bytes. */
    public static final int LENGTH = 32;
    /** The largest key file read: a key file is about 150 bytes. */
    static final int MAX_FILE_BYTES = 4096;
    private static final String PURPOSE = "clonefarm.clone-key.v1";
    private static final String VERSION = "1";
    private static final List<String> FIELDS = List.of("version", "userid", "batch", "attempt", "key");
    private static final Pattern USERID = Pattern.compile("[A-Z0-9@#$]{1,8}");
    private static final Pattern BATCH = Pattern.compile("[!-~]{1,200}");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] key;
    private final String userid;
    private final String batchId;
    private final int attempt;

    private CloneKey(byte[] key, String userid, String batchId, int attempt) {
        this.key = key;
        this.userid = userid;
        this.batchId = batchId;
        this.attempt = attempt;
    }

    /**
     * The key of {@code userid} in {@code batchId} at {@code attempt}.
     *
     * @throws IllegalArgumentException for a userid, batch or attempt that no clone has (attempts start at 1)
     */
    public static CloneKey derive(FarmKey farmKey, String userid, String batchId, int attempt) {
        Objects.requireNonNull(farmKey, "farmKey");
        check(userid, batchId, attempt);
        byte[] key = farmKey.mac(PURPOSE, utf8(userid), utf8(batchId), utf8(Integer.toString(attempt)));
        return new CloneKey(key, userid, batchId, attempt);
    }

    private static void check(String userid, String batchId, int attempt) {
        if (userid == null || !USERID.matcher(userid).matches()) {
            throw new IllegalArgumentException("a clone key needs a z/VM userid (1-8 of A-Z 0-9 @ # $), got '" + userid + "'");
        }
        if (batchId == null || !BATCH.matcher(batchId).matches()) {
            throw new IllegalArgumentException("a clone key needs a batch name of 1-200 printable characters without"
                    + " blanks, got '" + batchId + "'");
        }
        if (attempt < 1) {
            throw new IllegalArgumentException("a clone key needs an attempt of at least 1, got " + attempt);
        }
    }

    public String userid() {
        return userid;
    }

    public String batchId() {
        return batchId;
    }

    public int attempt() {
        return attempt;
    }

    /** Whether this is the key of that clone, batch and attempt. */
    public boolean isFor(String userid, String batchId, int attempt) {
        return this.userid.equals(userid) && this.batchId.equals(batchId) && this.attempt == attempt;
    }

    /** {@code USERID batch BATCH attempt N}: for messages. */
    public String describe() {
        return userid + " batch " + batchId + " attempt " + attempt;
    }

    /** HMAC-SHA256 under this clone key, as {@link FarmKey#mac} defines the input. */
    byte[] mac(String purpose, byte[]... parts) {
        return FarmKey.hmac(key, purpose, parts);
    }

    /** The key file's content: ASCII, a comment line, then the five fields in order. */
    public byte[] toFileBytes() {
        String text = "# clonefarm clone key: written by the worker after the copy; the guest agent signs its events"
                + " with it\n"
                + "version=" + VERSION + "\n"
                + "userid=" + userid + "\n"
                + "batch=" + batchId + "\n"
                + "attempt=" + attempt + "\n"
                + "key=" + HexFormat.of().formatHex(key) + "\n";
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Reads a key file's content.
     *
     * @param source where it came from, for messages
     * @throws CloneKeyException naming the source and the line or field that is wrong
     */
    public static CloneKey parse(byte[] content, String source) {
        if (content.length > MAX_FILE_BYTES) {
            throw new CloneKeyException("clone key file " + source + " has " + content.length + " bytes, more than a key"
                    + " file's " + MAX_FILE_BYTES);
        }
        Map<String, String> fields = new LinkedHashMap<>();
        String text = new String(content, StandardCharsets.US_ASCII);
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int equals = line.indexOf('=');
            String name = equals < 0 ? line : line.substring(0, equals);
            if (equals < 0 || !FIELDS.contains(name)) {
                throw new CloneKeyException("clone key file " + source + " has a line that is not one of "
                        + String.join(", ", FIELDS) + " as name=value");
            }
            if (fields.put(name, line.substring(equals + 1)) != null) {
                throw new CloneKeyException("clone key file " + source + " has " + name + " twice");
            }
        }
        for (String name : FIELDS) {
            if (!fields.containsKey(name)) {
                throw new CloneKeyException("clone key file " + source + " has no " + name);
            }
        }
        if (!VERSION.equals(fields.get("version"))) {
            throw new CloneKeyException("clone key file " + source + " is version " + fields.get("version")
                    + "; this agent reads version " + VERSION);
        }
        String attemptText = fields.get("attempt");
        if (!attemptText.matches("[0-9]{1,9}")) {
            throw new CloneKeyException("clone key file " + source + " has attempt '" + attemptText
                    + "', not a whole number");
        }
        String hex = fields.get("key");
        if (!hex.matches("[0-9a-f]{" + (2 * LENGTH) + "}")) {
            throw new CloneKeyException("clone key file " + source + " has no key of " + (2 * LENGTH)
                    + " lower-case hex digits");
        }
        try {
            check(fields.get("userid"), fields.get("batch"), Integer.parseInt(attemptText));
        } catch (IllegalArgumentException e) {
            throw new CloneKeyException("clone key file " + source + ": " + e.getMessage(), e);
        }
        return new CloneKey(HexFormat.of().parseHex(hex), fields.get("userid"), fields.get("batch"),
                Integer.parseInt(attemptText));
    }

    /**
     * Reads the key file at {@code file}.
     *
     * @throws CloneKeyException when it is missing, readable by others than its owner, too large or not a
     *     key file; the message names the file
     */
    public static CloneKey read(Path file) {
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new CloneKeyException("clone key file " + file + " is too large to be a key file");
            }
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (!OWNER_ONLY.containsAll(permissions)) {
                throw new CloneKeyException("clone key file " + file + " is readable by others ("
                        + PosixFilePermissions.toString(permissions) + "): it must be mode 0600");
            }
            return parse(Files.readAllBytes(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new CloneKeyException("no clone key at " + file + ": the worker writes it when it has copied the"
                    + " clone's /var", e);
        } catch (IOException e) {
            throw new CloneKeyException("cannot read the clone key " + file + ": " + e.getMessage(), e);
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "CloneKey[" + describe() + "]";
    }

    /** A clone key file cannot be read; the message says which file and why. */
    public static final class CloneKeyException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public CloneKeyException(String message) {
            super(message);
        }

        public CloneKeyException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
