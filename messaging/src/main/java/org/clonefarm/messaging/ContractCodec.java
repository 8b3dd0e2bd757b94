package org.clonefarm.messaging;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.CloneStatus;
import org.clonefarm.proto.DeadLetter;

/**
 * Encodes and decodes the records of the clonefarm topics. Decoding failures are a
 * {@link ContractException} carrying where the record came from, so the caller can send the original
 * bytes to the dead-letter topic. Stateless and thread-safe.
 */
public final class ContractCodec {

    private ContractCodec() {
    }

    public static byte[] encode(Message message) {
        return message.toByteArray();
    }

    public static CloneRequest decodeRequest(byte[] value, String origin) {
        return decode(CloneRequest.parser(), value, "CloneRequest", origin);
    }

    public static CloneEvent decodeEvent(byte[] value, String origin) {
        CloneEvent event = decode(CloneEvent.parser(), value, "CloneEvent", origin);
        if (event.getEventId().isEmpty()) {
            throw new ContractException("CloneEvent at " + origin + " has no event_id");
        }
        if (event.getFactCase() == CloneEvent.FactCase.FACT_NOT_SET) {
            throw new ContractException("CloneEvent " + event.getEventId() + " at " + origin
                    + " carries no fact this version knows");
        }
        return event;
    }

    public static CloneStatus decodeStatus(byte[] value, String origin) {
        return decode(CloneStatus.parser(), value, "CloneStatus", origin);
    }

    public static DeadLetter decodeDeadLetter(byte[] value, String origin) {
        return decode(DeadLetter.parser(), value, "DeadLetter", origin);
    }

    private static <T extends Message> T decode(Parser<T> parser, byte[] value, String type, String origin) {
        if (value == null) {
            throw new ContractException("record at " + origin + " has no value (a tombstone), expected " + type);
        }
        try {
            return parser.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new ContractException("record at " + origin + " is not a " + type + " (" + value.length
                    + " bytes): " + e.getMessage(), e);
        }
    }
}
