package org.clonefarm.coordinator.spec;

import java.util.List;

/** A clone spec with problems; carries all of them, not just the first. */
public class SpecException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient List<SpecProblem> problems;

    public SpecException(String source, List<SpecProblem> problems) {
        super(summary(source, problems));
        this.problems = List.copyOf(problems);
    }

    public List<SpecProblem> problems() {
        return problems;
    }

    private static String summary(String source, List<SpecProblem> problems) {
        StringBuilder text = new StringBuilder();
        text.append(source).append(" has ").append(problems.size()).append(problems.size() == 1 ? " problem" : " problems");
        for (SpecProblem problem : problems) {
            text.append(System.lineSeparator()).append("  ").append(problem);
        }
        return text.toString();
    }
}
