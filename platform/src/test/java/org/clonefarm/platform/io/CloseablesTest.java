package org.clonefarm.platform.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Closing several resources: every one is closed, and no failure is lost. */
class CloseablesTest {
    private final List<String> closed = new ArrayList<>();

    private Closeable part(String name, boolean fails) {
        return () -> {
            closed.add(name);
            if (fails) {
                throw new IOException(name + " failed to close");
            }
        };
    }

    /** A failing part does not stop the others; the first failure is thrown with the later ones suppressed. */
    @Test
    void closesEveryPartAndThrowsTheFirstFailureWithTheOthersSuppressed() {
        assertThatThrownBy(() -> Closeables.closeAll(part("a", false), part("b", true), null, part("c", true),
                part("d", false)))
                .hasMessage("b failed to close")
                .satisfies(e -> assertThat(e.getSuppressed()).extracting(Throwable::getMessage)
                        .containsExactly("c failed to close"));
        assertThat(closed).containsExactly("a", "b", "c", "d");
    }

    /** On the way out of a failure, every close failure is added to that failure, and every part is closed. */
    @Test
    void closingAfterAFailureAddsEachCloseFailureToIt() {
        IOException primary = new IOException("open failed");
        Closeables.closeAllAfter(primary, part("a", true), part("b", false), part("c", true));
        assertThat(primary.getSuppressed()).extracting(Throwable::getMessage)
                .containsExactly("a failed to close", "c failed to close");
        assertThat(closed).containsExactly("a", "b", "c");
    }
}
