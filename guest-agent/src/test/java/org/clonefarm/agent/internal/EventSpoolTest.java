package org.clonefarm.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The event spool on disk: what survives a reopen, a torn append and a second run. */
@Timeout(30)
class EventSpoolTest {
    @TempDir
    Path directory;

    private final EventFactory factory = new EventFactory("agent-LINUX001");

    private CloneEvent ready(int boot) {
        return factory.newEvent("b-1", "LINUX001", 1).setReady(Ready.newBuilder().setBoot(boot)).build();
    }

    /** Appended events come back after a reopen, in order and byte for byte (same event ids). */
    @Test
    void keepsEventsInOrderAcrossReopen() throws IOException {
        CloneEvent first = ready(1);
        CloneEvent second = ready(2);
        try (EventSpool spool = EventSpool.open(directory)) {
            spool.append(first);
            spool.append(second);
        }
        try (EventSpool spool = EventSpool.open(directory)) {
            assertThat(spool.pending()).extracting(EventSpool.Spooled::event).containsExactly(first, second);
        }
    }

    /** A record torn by a crash during its append is cut off; the ones before it stay. */
    @Test
    void cutsATornLastRecordAndKeepsTheRest() throws IOException {
        CloneEvent kept = ready(1);
        try (EventSpool spool = EventSpool.open(directory)) {
            spool.append(kept);
            spool.append(ready(2));
        }
        Path file = directory.resolve(EventSpool.SPOOL_FILE);
        long size = Files.size(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(size - 3);
        }
        try (EventSpool spool = EventSpool.open(directory)) {
            assertThat(spool.all()).extracting(EventSpool.Spooled::event).containsExactly(kept);
            CloneEvent next = ready(3);
            spool.append(next);
            assertThat(spool.all()).extracting(EventSpool.Spooled::event).containsExactly(kept, next);
        }
    }

    /** A record whose bytes changed after it was written fails its CRC and is cut off with what follows. */
    @Test
    void cutsARecordThatFailsItsChecksum() throws IOException {
        CloneEvent kept = ready(1);
        try (EventSpool spool = EventSpool.open(directory)) {
            spool.append(kept);
            spool.append(ready(2));
        }
        Path file = directory.resolve(EventSpool.SPOOL_FILE);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 2] ^= 0x40;
        Files.write(file, bytes);
        try (EventSpool spool = EventSpool.open(directory)) {
            assertThat(spool.all()).extracting(EventSpool.Spooled::event).containsExactly(kept);
        }
    }

    /** The delivered offset survives a reopen: only what follows it is pending. */
    @Test
    void pendingStartsAfterTheDeliveredOffset() throws IOException {
        CloneEvent delivered = ready(1);
        CloneEvent pending = ready(2);
        try (EventSpool spool = EventSpool.open(directory)) {
            spool.append(delivered);
            spool.append(pending);
            List<EventSpool.Spooled> all = spool.all();
            spool.markDelivered(all.get(0).endOffset());
        }
        try (EventSpool spool = EventSpool.open(directory)) {
            assertThat(spool.pending()).extracting(EventSpool.Spooled::event).containsExactly(pending);
            assertThat(spool.all()).hasSize(2);
        }
    }

    /** Two runs cannot use one spool at once. */
    @Test
    void refusesASecondOpenWhileTheFirstHoldsIt() throws IOException {
        try (EventSpool spool = EventSpool.open(directory)) {
            assertThatThrownBy(() -> EventSpool.open(directory)).isInstanceOf(IOException.class)
                    .hasMessageContaining("in use by another agent run");
        }
        EventSpool.open(directory).close();
    }

    /** A file that is no spool is refused, not overwritten. */
    @Test
    void refusesAFileWithoutTheSpoolMagic() throws IOException {
        Files.writeString(directory.resolve(EventSpool.SPOOL_FILE), "something else entirely");
        assertThatThrownBy(() -> EventSpool.open(directory)).isInstanceOf(IOException.class)
                .hasMessageContaining("not an event spool");
        assertThat(Files.readString(directory.resolve(EventSpool.SPOOL_FILE))).isEqualTo("something else entirely");
    }
}
