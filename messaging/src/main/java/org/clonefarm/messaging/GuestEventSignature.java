package org.clonefarm.messaging;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * A guest agent's signature on an event record of the guest-events topic: a Kafka header {@value #HEADER}
 * whose value is {@code v1:} and 64 lower-case hex digits, the HMAC-SHA256 under the clone's
 * {@link CloneKey} of these parts, each length-prefixed as {@link FarmKey#mac} defines:
 *
 * <ol>
 *   <li>the purpose {@value #PURPOSE};</li>
 *   <li>the key's userid, batch and attempt (UTF-8; the attempt in decimal);</li>
 *   <li>the record's value exactly as it is on the topic (the serialized {@code CloneEvent}: fact, event
 *       id, userid, batch, attempt, time), so no re-encoding is needed to check it.</li>
 * </ol>
 *
 * <p>The coordinator checks a record with the key it derives for the clone's current batch and attempt
 * (its fold says which), after checking that the event names that clone, batch and attempt: a signature
 * made with another clone's key, or with the key of an earlier attempt, does not match.
 *
 * <p>What it does not prove: freshness. A clone can send its own signed event again; the fold drops an
 * event id it has seen. Stateless and thread-safe.
 */
public final class GuestEventSignature {
    /** The header that carries the signature. */
    public static final String HEADER = "clonefarm-guest-signature";
    private static final String VERSION = "v1:";
    private static final String PURPOSE = "clonefarm.guest-event.v1";

    private GuestEventSignature() {
    }

    /** The signature header for a record of {@code key}'s clone with this value. */
    public static Header header(CloneKey key, byte[] value) {
        Objects.requireNonNull(value, "value");
        String signature = VERSION + HexFormat.of().formatHex(mac(key, value));
        return new RecordHeader(HEADER, signature.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Why the record is not signed with {@code expected}, or empty when it is.
     *
     * @param headers the record's headers (the last {@value #HEADER} counts)
     */
    public static Optional<String> problem(CloneKey expected, Headers headers, byte[] value) {
        Objects.requireNonNull(expected, "expected");
        Header header = headers == null ? null : headers.lastHeader(HEADER);
        if (header == null || header.value() == null) {
            return Optional.of("it carries no " + HEADER + " header: a guest's events count only when signed with"
                    + " its clone key");
        }
        String text = new String(header.value(), StandardCharsets.US_ASCII);
        if (!text.startsWith(VERSION) || !text.substring(VERSION.length()).matches("[0-9a-f]{64}")) {
            return Optional.of("its " + HEADER + " header is not a v1 signature");
        }
        byte[] given = HexFormat.of().parseHex(text.substring(VERSION.length()));
        if (!java.security.MessageDigest.isEqual(mac(expected, value == null ? new byte[0] : value), given)) {
            return Optional.of("its signature does not match the clone key of " + expected.describe()
                    + ": it was signed with another clone's or another attempt's key, or changed after signing");
        }
        return Optional.empty();
    }

    private static byte[] mac(CloneKey key, byte[] value) {
        return key.mac(PURPOSE, key.userid().getBytes(StandardCharsets.UTF_8),
                key.batchId().getBytes(StandardCharsets.UTF_8),
                Integer.toString(key.attempt()).getBytes(StandardCharsets.US_ASCII), value);
    }
}
