package org.clonefarm.testsupport;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.CloneStatus;
import org.clonefarm.proto.DeadLetter;

/**
 * Fully populated samples of every record type of the contract, built from the descriptors so that
 * a field added to a {@code .proto} file is covered by the round-trip tests without editing them:
 * every field is set to a non-default value (nested messages recursively), and a message with a
 * oneof yields one sample per case.
 */
public final class ContractSamples {

    private ContractSamples() {
    }

    /** The top-level record types, one per topic. */
    public static List<Supplier<Message.Builder>> topLevelTypes() {
        return List.of(CloneRequest::newBuilder, CloneEvent::newBuilder, CloneStatus::newBuilder,
                DeadLetter::newBuilder);
    }

    /** Every sample of every top-level type: for {@link CloneEvent}, one per fact. */
    public static List<Message> all() {
        List<Message> samples = new ArrayList<>();
        for (Supplier<Message.Builder> type : topLevelTypes()) {
            samples.addAll(samplesOf(type));
        }
        return samples;
    }

    /** Samples of one type: one per case of its (single) oneof, or one when it has none. */
    public static List<Message> samplesOf(Supplier<Message.Builder> type) {
        Descriptor descriptor = type.get().getDescriptorForType();
        List<OneofDescriptor> oneofs = descriptor.getRealOneofs();
        List<Message> samples = new ArrayList<>();
        if (oneofs.isEmpty()) {
            samples.add(fill(type.get(), null, 1).build());
            return samples;
        }
        int seed = 1;
        for (FieldDescriptor chosen : oneofs.get(0).getFields()) {
            samples.add(fill(type.get(), chosen, seed++).build());
        }
        return samples;
    }

    private static Message.Builder fill(Message.Builder builder, FieldDescriptor chosenCase, int seed) {
        for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
            OneofDescriptor oneof = field.getRealContainingOneof();
            if (oneof != null && !field.equals(chosenCase)) {
                continue;
            }
            if (field.isMapField()) {
                Message.Builder entry = builder.newBuilderForField(field);
                fill(entry, null, seed);
                builder.addRepeatedField(field, entry.build());
            } else if (field.isRepeated()) {
                builder.addRepeatedField(field, value(builder, field, seed));
                builder.addRepeatedField(field, value(builder, field, seed + 1));
            } else {
                builder.setField(field, value(builder, field, seed));
            }
        }
        return builder;
    }

    private static Object value(Message.Builder builder, FieldDescriptor field, int seed) {
        switch (field.getJavaType()) {
            case INT:
                return 7 + seed;
            case LONG:
                return 1_000_000_007L + seed;
            case FLOAT:
                return 1.5f + seed;
            case DOUBLE:
                return 2.25 + seed;
            case BOOLEAN:
                return true;
            case STRING:
                return field.getName() + "-" + seed;
            case BYTE_STRING:
                return ByteString.copyFrom(new byte[] {0, 1, (byte) 0xC3, (byte) seed});
            case ENUM:
                List<com.google.protobuf.Descriptors.EnumValueDescriptor> values = field.getEnumType().getValues();
                return values.get(values.size() > 1 ? 1 + seed % (values.size() - 1) : 0);
            case MESSAGE:
                Message.Builder nested = builder.newBuilderForField(field);
                if ("google.protobuf.Timestamp".equals(field.getMessageType().getFullName())) {
                    return nested.setField(field.getMessageType().findFieldByName("seconds"), 1_795_000_000L + seed)
                            .setField(field.getMessageType().findFieldByName("nanos"), 123_000_000)
                            .build();
                }
                return fill(nested, null, seed).build();
            default:
                throw new IllegalStateException("no sample value for " + field.getFullName());
        }
    }
}
