package org.clonefarm.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's state file: written from typed values, read back strictly. */
class AgentStateTest {
    @TempDir
    Path dir;

    /** A batch holding a newline cannot become state, so it can never add a line or a key to the file. */
    @Test
    void aBatchWithANewlineCannotBecomeStateNorReachTheFile() {
        assertThatThrownBy(() -> AgentState.of(1, "LINUX001", "b-42\nboots=999", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a batch name");
        assertThat(dir.resolve(AgentState.FILE)).doesNotExist();
    }

    /** A file with a key given twice (a line added to it) is refused naming the line, not believed. */
    @Test
    void aStateFileWithAnAddedLineIsRefusedNamingTheLine() throws IOException {
        AgentState.of(1, "LINUX001", "b-42", 1).store(dir);
        Files.writeString(dir.resolve(AgentState.FILE), "boots=1\nuserid=LINUX001\nbatch=b-42\nboots=999\nattempt=1\n",
                StandardCharsets.UTF_8);

        assertThatThrownBy(() -> AgentState.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("line 4 'boots=999' gives boots a second time")
                .hasMessageContaining("remove the file and run the agent again");
    }

    /** Stored state reads back as the same typed values; an unknown key or a malformed value is refused. */
    @Test
    void storedStateReadsBackAndAnythingElseIsRefused() throws IOException {
        AgentState.of(3, "LINUX001", "", 0).store(dir);
        assertThat(AgentState.load(dir)).isEqualTo(AgentState.of(3, "LINUX001", "", 0));

        Files.writeString(dir.resolve(AgentState.FILE), "boots=1\nuserid=LINUX001\nbatch=b 42\nattempt=1\n");
        assertThatThrownBy(() -> AgentState.load(dir)).hasMessageContaining("not a batch name");
        Files.writeString(dir.resolve(AgentState.FILE), "boots=1\nuserid=LINUX001\nbatch=b\nattempt=1\nready=true\n");
        assertThatThrownBy(() -> AgentState.load(dir)).hasMessageContaining("line 5 'ready=true' is not one of");
    }

    /** The configured interface and its MAC read back; a state file of an older agent, without them, still loads. */
    @Test
    void interfaceAndMacReadBackAndOlderFilesWithoutThemLoad() throws IOException {
        AgentState state = AgentState.of(1, "LINUX001", "b-42", 1).withInterface("ens7", "02:00:00:0a:1b:2c");
        state.store(dir);
        assertThat(AgentState.load(dir)).isEqualTo(state);

        Files.writeString(dir.resolve(AgentState.FILE), "boots=1\nuserid=LINUX001\nbatch=b-42\nattempt=1\n");
        assertThat(AgentState.load(dir).interfaceName()).isEmpty();
        Files.writeString(dir.resolve(AgentState.FILE), "boots=1\nuserid=LINUX001\nbatch=b-42\nattempt=1\n"
                + "interface=ens7\nmacaddr=02:00:00:0A:1B:2C\n");
        assertThatThrownBy(() -> AgentState.load(dir)).hasMessageContaining("not a MAC address");
    }
}
