package org.clonefarm.platform.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads a whole file into memory, but never more than a limit: a regular file larger than the limit
 * is refused by its size without being read, and anything else (a device such as {@code /dev/zero},
 * a FIFO, {@code /dev/stdin}) is read up to {@code limit + 1} bytes and refused when that last byte
 * arrives. Every program path that reads a whole file a user names goes through here, so that no
 * file can run the process out of memory or keep it reading forever.
 *
 * <p>Stateless and thread-safe. Opening a FIFO still waits for its writer, as any reader of it does.
 */
public final class BoundedFiles {

    private BoundedFiles() {
    }

    /** A file refused because it is larger than the limit of what reads it. */
    public static final class FileTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient Path file;
        private final long limit;

        FileTooLargeException(Path file, long size, long limit, String what) {
            super(size >= 0
                    ? String.format("%s %s is %,d bytes, more than the limit of %,d bytes", what, file, size, limit)
                    : String.format("%s %s holds more than the limit of %,d bytes (it is not a regular file, so it was"
                            + " read up to the limit)", what, file, limit));
            this.file = file;
            this.limit = limit;
        }

        public Path file() {
            return file;
        }

        public long limit() {
            return limit;
        }
    }

    /**
     * The bytes of {@code file}.
     *
     * @param limit the most bytes accepted, less than {@link Integer#MAX_VALUE}
     * @param what what the file is, for the message (e.g. {@code "spec file"})
     * @throws FileTooLargeException when the file holds more than {@code limit} bytes
     * @throws IOException when it cannot be read (a missing file is a {@link java.nio.file.NoSuchFileException})
     */
    public static byte[] readAllBytes(Path file, int limit, String what) throws IOException {
        if (limit < 0 || limit == Integer.MAX_VALUE) {
            throw new IllegalArgumentException("limit " + limit + " is not 0 to " + (Integer.MAX_VALUE - 1));
        }
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        if (attributes.isRegularFile() && attributes.size() > limit) {
            throw new FileTooLargeException(file, attributes.size(), limit, what);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(limit + 1);
            if (bytes.length > limit) {
                throw new FileTooLargeException(file, attributes.isRegularFile() ? Files.size(file) : -1, limit, what);
            }
            return bytes;
        }
    }

    /**
     * The text of {@code file}, decoded strictly as UTF-8 (plain ASCII is UTF-8).
     *
     * @throws FileTooLargeException when the file holds more than {@code limit} bytes
     * @throws CharacterCodingException naming the file and the byte offset when it is not UTF-8
     */
    public static String readUtf8(Path file, int limit, String what) throws IOException {
        byte[] bytes = readAllBytes(file, limit, what);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new NotUtf8Exception(file, what, firstBadByte(bytes));
        }
    }

    /** A file refused because it is not UTF-8 text. */
    public static final class NotUtf8Exception extends CharacterCodingException {
        private static final long serialVersionUID = 1L;
        private final String message;

        NotUtf8Exception(Path file, String what, int offset) {
            this.message = String.format("%s %s is not UTF-8 text (byte %,d is not)", what, file, offset);
        }

        @Override
        public String getMessage() {
            return message;
        }
    }

    private static int firstBadByte(byte[] bytes) {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        var out = java.nio.CharBuffer.allocate(bytes.length + 1);
        var result = decoder.decode(in, out, true);
        return result.isError() ? in.position() : 0;
    }
}
