package org.clonefarm.platform.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** File names, types and modes follow the CMS rules. */
class CmsFileIdTest {

    /** Lower case is accepted and stored upper case, so names match case-insensitively. */
    @Test
    void upperCasesNamesAndDefaultsTheMode() {
        CmsFileId id = CmsFileId.of("names", "Data");
        assertThat(id).isEqualTo(new CmsFileId("NAMES", "DATA", "A1"));
        assertThat(id.sameFile(new CmsFileId("NAMES", "DATA", "b2"))).isTrue();
        assertThat(new CmsFileId("$A#@+-:_", "X,Y", "z6").mode()).isEqualTo("Z6");
    }

    /** Names longer than 8, empty, or with characters outside the CMS set are refused with the reason. */
    @Test
    void refusesNamesOutsideTheRules() {
        assertThatThrownBy(() -> CmsFileId.of("TOOLONGNAME", "DATA")).hasMessageContaining("1 to 8 characters");
        assertThatThrownBy(() -> CmsFileId.of("", "DATA")).hasMessageContaining("1 to 8 characters");
        assertThatThrownBy(() -> CmsFileId.of("A.B", "DATA")).hasMessageContaining("'.'");
        assertThatThrownBy(() -> CmsFileId.of("AB", "DA TA")).hasMessageContaining("' '");
        assertThatThrownBy(() -> new CmsFileId("A", "B", "A7")).hasMessageContaining("digit 0-6");
        assertThatThrownBy(() -> new CmsFileId("A", "B", "1A")).hasMessageContaining("letter");
    }
}
