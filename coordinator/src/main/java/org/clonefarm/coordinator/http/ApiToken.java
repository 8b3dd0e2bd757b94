package org.clonefarm.coordinator.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The bearer token of the coordinator's HTTP API: read from a file the operator names
 * ({@code --api-token-file}), or created once as {@code <data>/api-token} with mode 0600 and reused
 * at every later start. A token is 32 random bytes, base64url without padding (43 characters).
 *
 * <p>{@link #matches} compares in constant time (over SHA-256 digests, so neither content nor
 * length leaks through timing). Immutable and thread-safe.
 */
public final class ApiToken {
    /** The file name of the created token inside the data directory. */
    public static final String FILE_NAME = "api-token";
    private static final int MIN_LENGTH = 16;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final String value;
    private final byte[] digest;
    private final Path source;

    private ApiToken(String value, Path source) {
        this.value = value;
        this.digest = sha256(value);
        this.source = source;
    }

    /**
     * Reads the token from a file (first line, surrounding white space ignored).
     *
     * @throws ApiTokenException naming the file when it is missing, unreadable or holds a token
     *     shorter than 16 characters
     */
    public static ApiToken fromFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ApiTokenException("API token file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new ApiTokenException("cannot read API token file " + file + ": " + e.getMessage(), e);
        }
        String token = text.lines().findFirst().orElse("").strip();
        if (token.length() < MIN_LENGTH) {
            throw new ApiTokenException("API token file " + file + " holds a token of " + token.length()
                    + " characters; use at least " + MIN_LENGTH, null);
        }
        return new ApiToken(token, file);
    }

    /**
     * The token of a data directory: {@code <dataDir>/api-token}, created with mode 0600 when missing.
     * Creation is atomic (temp file, then a rename that refuses to replace), so two starts racing end
     * with one token.
     */
    public static ApiToken ofDataDirectory(Path dataDir) {
        Path file = dataDir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            return fromFile(file);
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Path temp = null;
        try {
            Files.createDirectories(dataDir);
            temp = Files.createTempFile(dataDir, ".api-token", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            Files.writeString(temp, token + "\n", StandardCharsets.UTF_8, StandardOpenOption.SYNC);
            Files.createLink(file, temp); // fails when another start won the race
            return new ApiToken(token, file);
        } catch (FileAlreadyExistsException e) {
            return fromFile(file);
        } catch (IOException e) {
            throw new ApiTokenException("cannot create API token file " + file + ": " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    // a stray temp file in the data directory is harmless; the token is in place
                }
            }
        }
    }

    /** A token given as text (visible for testing and for embedding). */
    public static ApiToken of(String value) {
        if (value == null || value.strip().length() < MIN_LENGTH) {
            throw new ApiTokenException("an API token needs at least " + MIN_LENGTH + " characters", null);
        }
        return new ApiToken(value.strip(), null);
    }

    /** Whether a presented token is this one; constant time. A null token never matches. */
    public boolean matches(String presented) {
        if (presented == null) {
            return false;
        }
        return MessageDigest.isEqual(digest, sha256(presented));
    }

    /** The token itself, for the operator's dashboard link; never log it. */
    public String reveal() {
        return value;
    }

    /** Where the token came from, or null. */
    public Path source() {
        return source;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "ApiToken[" + (source == null ? "given" : source) + "]";
    }

    /** The token cannot be read or created; not retryable without the operator. */
    public static final class ApiTokenException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ApiTokenException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
