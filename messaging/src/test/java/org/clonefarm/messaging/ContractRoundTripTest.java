package org.clonefarm.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.CloneStatus;
import org.clonefarm.proto.DeadLetter;
import org.clonefarm.testsupport.ContractSamples;
import org.junit.jupiter.api.Test;

/** Every record of the contract survives ContractCodec's encoding and the JSON mapping unchanged. */
class ContractRoundTripTest {

    /** The decoder of each topic's record type, as the services call it. */
    private static final Map<Descriptor, BiFunction<byte[], String, Message>> DECODERS = Map.of(
            CloneRequest.getDescriptor(), ContractCodec::decodeRequest,
            CloneEvent.getDescriptor(), ContractCodec::decodeEvent,
            CloneStatus.getDescriptor(), ContractCodec::decodeStatus,
            DeadLetter.getDescriptor(), ContractCodec::decodeDeadLetter);

    /** Every sample of every topic's type comes back equal through ContractCodec's encode and its decoder. */
    @Test
    void everyMessageRoundTripsThroughTheCodec() {
        for (Supplier<Message.Builder> type : ContractSamples.topLevelTypes()) {
            Descriptor descriptor = type.get().getDescriptorForType();
            assertThat(DECODERS).as("a decoder for %s", descriptor.getName()).containsKey(descriptor);
            for (Message sample : ContractSamples.samplesOf(type)) {
                Message decoded = DECODERS.get(descriptor).apply(ContractCodec.encode(sample), "topic-0@7");
                assertThat(decoded).as(descriptor.getName()).isInstanceOf(sample.getClass()).isEqualTo(sample);
            }
        }
    }

    /** The codec's bytes are the protobuf wire form, so any client of the contract can read them. */
    @Test
    void theCodecWritesTheProtobufWireForm() throws Exception {
        for (Message sample : ContractSamples.all()) {
            byte[] encoded = ContractCodec.encode(sample);
            assertThat(sample.getParserForType().parseFrom(encoded)).as(sample.getDescriptorForType().getName())
                    .isEqualTo(sample);
        }
    }

    /** What the codec cannot decode fails with where it came from, so it can go to the dead letters. */
    @Test
    void undecodableRecordsFailWithTheirOrigin() {
        CloneEvent event = (CloneEvent) ContractSamples.samplesOf(CloneEvent::newBuilder).get(0);
        assertThatThrownBy(() -> ContractCodec.decodeEvent(ContractCodec.encode(event.toBuilder().clearEventId()
                .build()), "events-3@41")).isInstanceOf(ContractException.class)
                .hasMessageContaining("events-3@41").hasMessageContaining("no event_id");
        assertThatThrownBy(() -> ContractCodec.decodeEvent(ContractCodec.encode(event.toBuilder().clearFact()
                .build()), "events-3@42")).isInstanceOf(ContractException.class)
                .hasMessageContaining("events-3@42").hasMessageContaining("no fact");
        assertThatThrownBy(() -> ContractCodec.decodeRequest(null, "requests-0@5"))
                .isInstanceOf(ContractException.class).hasMessageContaining("requests-0@5")
                .hasMessageContaining("tombstone");
        assertThatThrownBy(() -> ContractCodec.decodeDeadLetter(new byte[] {(byte) 0xff, 1, 2}, "dead-0@9"))
                .isInstanceOf(ContractException.class).hasMessageContaining("dead-0@9")
                .hasMessageContaining("not a DeadLetter");
    }

    @Test
    void everyMessageRoundTripsThroughJson() throws Exception {
        JsonFormat.Printer printer = JsonFormat.printer();
        JsonFormat.Parser parser = JsonFormat.parser();
        for (Message sample : ContractSamples.all()) {
            String json = printer.print(sample);
            Message.Builder builder = sample.newBuilderForType();
            parser.merge(json, builder);
            assertThat(builder.build()).as(json).isEqualTo(sample);
        }
    }

    @Test
    void samplesSetEveryFieldSoTheRoundTripsCoverThem() {
        for (Message sample : ContractSamples.all()) {
            Map<FieldDescriptor, Object> set = sample.getAllFields();
            long expected = sample.getDescriptorForType().getFields().stream()
                    .filter(f -> f.getRealContainingOneof() == null).count()
                    + sample.getDescriptorForType().getRealOneofs().size();
            assertThat(set).as(sample.getDescriptorForType().getName()).hasSize((int) expected);
        }
    }

    @Test
    void everyEventFactHasASample() {
        List<Message> events = ContractSamples.samplesOf(CloneEvent::newBuilder);
        assertThat(events).hasSize(CloneEvent.getDescriptor().getRealOneofs().get(0).getFieldCount());
        assertThat(events).extracting(e -> ((CloneEvent) e).getFactCase())
                .doesNotHaveDuplicates()
                .doesNotContain(CloneEvent.FactCase.FACT_NOT_SET);
    }

    @Test
    void descriptorSetShipsWithTheJar() throws Exception {
        try (var in = getClass().getResourceAsStream("/clonefarm/proto/clonefarm.desc")) {
            assertThat(in).as("descriptor set on the classpath").isNotNull();
            com.google.protobuf.DescriptorProtos.FileDescriptorSet set =
                    com.google.protobuf.DescriptorProtos.FileDescriptorSet.parseFrom(in);
            assertThat(set.getFileList()).extracting(f -> f.getName())
                    .contains("clonefarm/v1/clone_event.proto", "clonefarm/v1/clone_request.proto",
                            "clonefarm/v1/clone_status.proto", "clonefarm/v1/dead_letter.proto");
        }
        assertThat(getClass().getResource("/clonefarm/proto/clonefarm/v1/clone_event.proto")).isNotNull();
    }
}
