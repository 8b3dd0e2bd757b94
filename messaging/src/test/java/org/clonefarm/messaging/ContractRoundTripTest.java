package org.clonefarm.messaging;

import org.clonefarm.proto.CloneEvent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.util.List;
import java.util.Map;
import org.clonefarm.testsupport.ContractSamples;
import org.junit.jupiter.api.Test;

/** Every record of the contract survives binary and JSON encoding unchanged. */
class ContractRoundTripTest {

    @Test
    void everyMessageRoundTripsThroughBinary() throws Exception {
        for (Message sample : ContractSamples.all()) {
            Message decoded = sample.getParserForType().parseFrom(sample.toByteArray());
            assertThat(decoded).as(sample.getDescriptorForType().getName()).isEqualTo(sample);
        }
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
