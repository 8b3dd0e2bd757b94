package org.clonefarm.messaging;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The coordinator's signature on a clone request record: a Kafka header {@value #HEADER} whose value is
 * {@code v1:} and the hex HMAC-SHA256 under the {@link FarmKey} of the record's key and value bytes
 * exactly as they are on the topic (no re-encoding, so a worker of another version checks the same
 * bytes). A worker copies nothing for a record whose signature is missing or does not match: only a
 * holder of the farm key can make a worker write.
 *
 * <p>What it does not prove: freshness. A signed record can be written again by anyone who can write
 * the topic; the worker's other checks (the attempt is current, not already copied) make a replay
 * copy nothing. Stateless and thread-safe.
 */
public final class RequestSignature {
    /** The header that carries the signature. */
    public static final String HEADER = "clonefarm-signature";
    private static final String VERSION = "v1:";
    private static final String PURPOSE = "clonefarm.clone-request.v1";

    private RequestSignature() {
    }

    /** The signature header for a record with this key and value. */
    public static Header header(FarmKey key, String recordKey, byte[] value) {
        String signature = VERSION + HexFormat.of().formatHex(mac(key, recordKey, value));
        return new RecordHeader(HEADER, signature.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Why the record's signature is not the farm's, or empty when it is.
     *
     * @param headers the record's headers (the last {@value #HEADER} counts)
     */
    public static Optional<String> problem(FarmKey key, Headers headers, String recordKey, byte[] value) {
        Objects.requireNonNull(key, "key");
        Header header = headers == null ? null : headers.lastHeader(HEADER);
        if (header == null || header.value() == null) {
            return Optional.of("it carries no " + HEADER + " header: only the coordinator's signed requests are copied");
        }
        String text = new String(header.value(), StandardCharsets.US_ASCII);
        if (!text.startsWith(VERSION) || !text.substring(VERSION.length()).matches("[0-9a-f]{64}")) {
            return Optional.of("its " + HEADER + " header is not a v1 signature");
        }
        byte[] given = HexFormat.of().parseHex(text.substring(VERSION.length()));
        if (!key.verify(given, PURPOSE, bytes(recordKey), value == null ? new byte[0] : value)) {
            return Optional.of("its signature does not match the farm key (" + key.source()
                    + "): it was not signed by this farm's coordinator, or was changed after signing");
        }
        return Optional.empty();
    }

    private static byte[] mac(FarmKey key, String recordKey, byte[] value) {
        return key.mac(PURPOSE, bytes(recordKey), value == null ? new byte[0] : value);
    }

    private static byte[] bytes(String recordKey) {
        return recordKey == null ? new byte[0] : recordKey.getBytes(StandardCharsets.UTF_8);
    }
}
