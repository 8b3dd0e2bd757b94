package org.clonefarm.messaging;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The farm's secret: 32 random bytes that the coordinator (and the operator commands that publish for
 * it) sign clone requests with, and that every worker checks them against ({@link RequestSignature}).
 * Whoever can read the key can make a worker copy; keep the file mode 0600 and give it only to the
 * coordinator's and the workers' hosts.
 *
 * <p>File format: the key as 64 lower-case hex digits and a newline, nothing else. The default place
 * is {@code <data>/security/farm.key} ({@link #defaultFile}); {@link #loadOrCreate} makes it once,
 * atomically (two processes starting together get the same key), {@link #load} only reads.
 *
 * <p>Immutable and thread-safe; {@link #toString()} never shows the key.
 */
public final class FarmKey {
    /** Key length in bytes. */
    public static final int LENGTH = 32;
    private static final String ALGORITHM = "HmacSHA256";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] key;
    private final Path source;

    private FarmKey(byte[] key, Path source) {
        this.key = key;
        this.source = source;
    }

    /** {@code <data>/security/farm.key}: where the farm's components look for the key by default. */
    public static Path defaultFile(Path dataDirectory) {
        return dataDirectory.toAbsolutePath().normalize().resolve("security").resolve("farm.key");
    }

    /** A key from bytes (exactly {@value #LENGTH}); for tests and tools that keep the key elsewhere. */
    public static FarmKey of(byte[] key) {
        if (Objects.requireNonNull(key, "key").length != LENGTH) {
            throw new IllegalArgumentException("a farm key has " + LENGTH + " bytes, got " + key.length);
        }
        return new FarmKey(key.clone(), null);
    }

    /**
     * Reads the key in {@code file}.
     *
     * @throws FarmKeyException when the file is missing, readable by others than its owner, or not a key
     */
    public static FarmKey load(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        try {
            if (Files.size(absolute) > 4 * LENGTH) {
                throw new FarmKeyException("farm key file " + absolute + " is too large to be a key: it must hold "
                        + (2 * LENGTH) + " hex digits");
            }
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(absolute);
            if (!OWNER_ONLY.containsAll(permissions)) {
                throw new FarmKeyException("farm key file " + absolute + " is readable by others ("
                        + PosixFilePermissions.toString(permissions) + "); run chmod 600 on it");
            }
            String text = Files.readString(absolute, StandardCharsets.US_ASCII).strip();
            if (!text.matches("[0-9a-f]{" + (2 * LENGTH) + "}")) {
                throw new FarmKeyException("farm key file " + absolute + " does not hold a key: it must be "
                        + (2 * LENGTH) + " lower-case hex digits");
            }
            return new FarmKey(HexFormat.of().parseHex(text), absolute);
        } catch (NoSuchFileException e) {
            throw new FarmKeyException("no farm key at " + absolute + ": copy the coordinator's key"
                    + " (<data>/security/farm.key where it runs) there, mode 0600, or name it with --farm-key", e);
        } catch (IOException e) {
            throw new FarmKeyException("cannot read the farm key " + absolute + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the key in {@code file}, creating it with a fresh random key (mode 0600, synced, published by
     * an atomic link so no reader ever sees half a key) when there is none.
     */
    public static FarmKey loadOrCreate(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        if (!Files.exists(absolute)) {
            create(absolute);
        }
        return load(absolute);
    }

    private static void create(Path file) {
        byte[] fresh = new byte[LENGTH];
        new SecureRandom().nextBytes(fresh);
        Path directory = file.getParent();
        Path temp = null;
        try {
            Files.createDirectories(directory);
            temp = Files.createTempFile(directory, ".farm-key", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                out.write(ByteBuffer.wrap((HexFormat.of().formatHex(fresh) + "\n").getBytes(StandardCharsets.US_ASCII)));
                out.force(true);
            }
            try {
                Files.createLink(file, temp); // fails if another process made the key first: theirs wins
            } catch (FileAlreadyExistsException e) {
                return;
            }
            try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new FarmKeyException("cannot create the farm key " + file + ": " + e.getMessage(), e);
        } finally {
            Arrays.fill(fresh, (byte) 0);
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // a stray temp file in the security directory holds no key anyone uses
                }
            }
        }
    }

    /** HMAC-SHA256 under this key of {@code purpose} and each part, every one preceded by its length. */
    public byte[] mac(String purpose, byte[]... parts) {
        return hmac(key, purpose, parts);
    }

    /**
     * HMAC-SHA256 under {@code key} of {@code purpose} and each part, every one preceded by its length
     * (4 bytes, big-endian), so that no two different lists of parts give the same input. The one
     * definition of the MAC input for every key of the farm ({@link CloneKey} uses it too).
     */
    static byte[] hmac(byte[] key, String purpose, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            update(mac, purpose.getBytes(StandardCharsets.UTF_8));
            for (byte[] part : parts) {
                update(mac, part);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    /** Whether {@code expected} is the MAC of these parts, compared in constant time. */
    public boolean verify(byte[] expected, String purpose, byte[]... parts) {
        return expected != null && MessageDigest.isEqual(mac(purpose, parts), expected);
    }

    private static void update(Mac mac, byte[] part) {
        mac.update(ByteBuffer.allocate(Integer.BYTES).putInt(part.length).array());
        mac.update(part);
    }

    /** Where the key was read from, or null for a key made from bytes. */
    public Path source() {
        return source;
    }

    @Override
    public String toString() {
        return "FarmKey[" + (source == null ? "in memory" : source) + "]";
    }

    /** The farm key cannot be read or made; the message says which file and what to do. */
    public static final class FarmKeyException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public FarmKeyException(String message) {
            super(message);
        }

        public FarmKeyException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
