package org.clonefarm.platform.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** CP's link-mode rules: what each mode is granted next to other users' links. */
class LinkModeTest {

    private static final Optional<Boolean> WRITE = Optional.of(true);
    private static final Optional<Boolean> READ = Optional.of(false);
    private static final Optional<Boolean> REFUSED = Optional.empty();

    /** Each mode alone, next to a reader, and next to a writer. */
    @Test
    void grantsFollowCpLinkModes() {
        // grant(otherLinks, otherWriter)
        assertThat(LinkMode.R.grant(false, false)).isEqualTo(READ);
        assertThat(LinkMode.R.grant(true, true)).isEqualTo(REFUSED);
        assertThat(LinkMode.RR.grant(true, true)).isEqualTo(READ);
        assertThat(LinkMode.W.grant(false, false)).isEqualTo(WRITE);
        assertThat(LinkMode.W.grant(true, false)).isEqualTo(REFUSED);
        assertThat(LinkMode.WR.grant(true, false)).isEqualTo(READ);
        assertThat(LinkMode.M.grant(true, false)).isEqualTo(WRITE);
        assertThat(LinkMode.M.grant(true, true)).isEqualTo(REFUSED);
        assertThat(LinkMode.MR.grant(true, true)).isEqualTo(READ);
        assertThat(LinkMode.MW.grant(true, true)).isEqualTo(WRITE);
    }

    /** Modes are read in any case, with an optional V or E suffix; other words are refused. */
    @Test
    void parsesModesWithSuffixes() {
        assertThat(LinkMode.of("mr")).isEqualTo(LinkMode.MR);
        assertThat(LinkMode.of("MRV")).isEqualTo(LinkMode.MR);
        assertThat(LinkMode.of("WE")).isEqualTo(LinkMode.W);
        assertThatThrownBy(() -> LinkMode.of("RW")).hasMessageContaining("'RW' is not a link mode");
        assertThat(LinkMode.isValid("V")).isFalse();
    }
}
