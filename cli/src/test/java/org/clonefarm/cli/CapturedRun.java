package org.clonefarm.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * One in-process run of the command line with what it printed: commands that print with
 * {@code System.out} (submit, status, ...) are captured too. Runs are serialised, since standard
 * output is one per JVM.
 */
record CapturedRun(int code, String out, String err) {

    static synchronized CapturedRun of(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
        } finally {
            System.setOut(original);
        }
        return new CapturedRun(code, out.toString(StandardCharsets.UTF_8), err.toString());
    }
}
