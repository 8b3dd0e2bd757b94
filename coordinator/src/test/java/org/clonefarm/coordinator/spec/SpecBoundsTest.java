package org.clonefarm.coordinator.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A spec costs time and memory in proportion to what it may hold: one larger than the limit is
 * refused before it is parsed, ranges are counted before they are expanded, and a problem never
 * repeats a huge value back. The timeouts are generous (the refusals take milliseconds); before
 * the bounds these cases took from 10 s to over 300 s.
 */
class SpecBoundsTest {
    private static final Duration QUICKLY = Duration.ofSeconds(5);

    private static SpecValidator.Validation validate(String yaml) {
        return new SpecValidator(SystemView.NONE).validate(yaml);
    }

    /** The good spec with its batch name a string of this many characters in all. */
    private static String specOfLength(int chars) {
        String head = "batch: ";
        String tail = SpecValidationTest.GOOD.substring(SpecValidationTest.GOOD.indexOf('\n'));
        return head + "x".repeat(chars - head.length() - tail.length()) + tail;
    }

    @Test
    void refusesA5MegabyteSpecBeforeParsingIt() {
        String yaml = specOfLength(5_000_000);

        List<SpecProblem> problems = assertTimeoutPreemptively(QUICKLY, () -> validate(yaml).problems());

        assertThat(problems).singleElement().hasToString(
                "(spec): is 5,000,000 characters, more than the limit of 1,048,576; list clones as ranges, or split the batch");
    }

    @Test
    void refusesA50MegabyteSpecBeforeParsingIt() {
        String yaml = specOfLength(50_000_000);

        List<SpecProblem> problems = assertTimeoutPreemptively(QUICKLY, () -> validate(yaml).problems());

        assertThat(problems).singleElement().extracting(SpecProblem::message).asString()
                .startsWith("is 50,000,000 characters, more than the limit of 1,048,576");
    }

    @Test
    void readsASpecOfExactlyTheLimitWithOneLongString() {
        String yaml = specOfLength(SpecParser.MAX_SPEC_CHARS);
        assertThat(yaml).hasSize(SpecParser.MAX_SPEC_CHARS);

        SpecValidator.Validation result = assertTimeoutPreemptively(QUICKLY, () -> validate(yaml));

        assertThat(result.problems()).singleElement().satisfies(problem -> {
            assertThat(problem.place()).isEqualTo("batch");
            assertThat(problem.value()).endsWith(String.format("... (%,d characters)", result.spec().batch().length()));
            assertThat(problem.value()).hasSizeLessThan(SpecProblem.MAX_VALUE_CHARS + 30);
        });
    }

    @Test
    void countsRangesBeforeExpandingThem() {
        StringBuilder yaml = new StringBuilder(SpecValidationTest.GOOD.substring(0, SpecValidationTest.GOOD.indexOf("clones:")));
        yaml.append("clones:\n");
        for (int i = 0; i < 100; i++) {
            yaml.append(String.format("  - {range: L%02d00000-L%02d09999, ip: 10.%d.0.1}%n", i, i, i + 2));
        }

        SpecValidator.Validation result = assertTimeoutPreemptively(QUICKLY, () -> validate(yaml.toString()));

        assertThat(result.problems()).singleElement().hasToString(
                "line 9, clones: hold 1,000,000 clones in all, more than the 10,000 of one batch: split them into several batches");
        assertThat(result.clones()).isEmpty();
    }

    @Test
    void acceptsRangesOfExactly10000ClonesInAll() {
        String yaml = SpecValidationTest.GOOD.replace("LINUX001-LINUX300", "LX0001-LX9999")
                .replace("netmask: 255.255.0.0", "netmask: 255.0.0.0");

        SpecValidator.Validation result = validate(yaml);

        assertThat(result.problems()).isEmpty();
        assertThat(result.clones()).hasSize(SpecValidator.MAX_CLONES);
    }

    @Test
    void refusesCollectionsNestedDeeperThanASpecCan() {
        String yaml = "batch: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n";

        List<SpecProblem> problems = assertTimeoutPreemptively(QUICKLY, () -> validate(yaml).problems());

        assertThat(problems).singleElement().hasToString(
                "line 1, batch[0][0][0][0][0][0][0]: nests deeper than 8 levels; a spec nests 3 at most");
    }
}
