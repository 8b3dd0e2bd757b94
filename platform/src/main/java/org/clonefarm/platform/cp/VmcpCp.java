package org.clonefarm.platform.cp;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.clonefarm.platform.cp.internal.CpReplyParser;
import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.io.HostTool;

/**
 * CP on z/VM through the {@code vmcp} command of s390-tools (the paper's {@code hcp}). Each call runs
 * {@code vmcp WORD WORD ...} directly, never through a shell; every word is checked against the
 * characters a command, userid, vaddr or keyword may have, so nothing can inject a second command.
 *
 * <p>vmcp's exit codes: 0 success; 1 CP returned non-zero (stderr
 * {@code Error: non-zero CP response for command '...': #rc}, the HCP message on stdout), turned into
 * a {@link CpException} with the message id and a kind; 2 the response did not fit vmcp's buffer,
 * retried once with {@code --buffer} of {@link #LARGE_BUFFER} bytes.
 *
 * <p>Thread-safe: calls run independent processes.
 */
public final class VmcpCp implements Cp {

    /** Buffer size for the retry of a truncated response. */
    public static final int LARGE_BUFFER = 1 << 20;

    private static final Pattern WORD = Pattern.compile("[A-Z0-9@#$]{1,8}");
    /** A CP command name may be longer than an operand: {@code FLASHCOPY} has nine letters. */
    private static final Pattern COMMAND = Pattern.compile("[A-Z]{1,16}");

    private final String executable;
    private final Map<String, String> environment;
    private final Duration timeout;

    /** {@code vmcp} found on this process's PATH, 30 seconds per command. */
    public VmcpCp() {
        this("vmcp", System.getenv(), Duration.ofSeconds(30));
    }

    /**
     * @param executable {@code vmcp}, a name looked up on {@code environment}'s PATH, or a path
     * @param environment the child's environment (its PATH is where the executable is looked up)
     * @param timeout how long one command may take before it is killed
     */
    public VmcpCp(String executable, Map<String, String> environment, Duration timeout) {
        this.executable = Objects.requireNonNull(executable, "executable");
        this.environment = Map.copyOf(environment);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    @Override
    public UseridReply queryUserid() throws CpException {
        CpReply reply = run("Q", "USERID");
        return CpReplyParser.userid(reply.text()).orElseThrow(() -> unexpected(reply));
    }

    @Override
    public VirtualDasd queryVirtualDasd(Vaddr vaddr) throws CpException {
        CpReply reply = run("Q", "V", vaddr.value());
        return CpReplyParser.virtualDasd(vaddr, reply.text()).orElseThrow(() -> new CpException(CpException.Kind.FAILED,
                reply.command(), 0, null, "device " + vaddr + " is not a DASD: " + reply.text()));
    }

    @Override
    public LinkResult link(Userid owner, Vaddr vaddr, Vaddr myVaddr, LinkMode mode) throws CpException {
        CpReply reply;
        try {
            reply = run("LINK", owner.value(), vaddr.value(), myVaddr.value(), mode.name());
        } catch (CpException e) {
            // CP may give read-only access with a message and a non-zero rc for MR/WR ("forced R/O")
            if (e.getMessage() != null && CpReplyParser.forcedReadOnly(e.getMessage())) {
                return new LinkResult(owner, vaddr, myVaddr, mode, false);
            }
            throw e;
        }
        boolean write = mode.asksWrite() && !CpReplyParser.forcedReadOnly(reply.text());
        return new LinkResult(owner, vaddr, myVaddr, mode, write);
    }

    @Override
    public List<VirtualDasd> queryVirtualDasds() throws CpException {
        try {
            return CpReplyParser.virtualDasds(run("Q", "V", "DASD").text());
        } catch (CpException e) {
            if (e.kind() == CpException.Kind.NO_SUCH_DEVICE) {
                return List.of(); // "HCPQVD040E": no DASD at all
            }
            throw e;
        }
    }

    @Override
    public CpReply detach(Vaddr vaddr) throws CpException {
        return run("DETACH", vaddr.value());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Success is a reply without an error; any HCP error of FLASHCOPY itself (no feature, other
     * storage subsystem, not privileged) is {@link CpException.Kind#FLASHCOPY_UNAVAILABLE} with CP's text,
     * except a missing device or CP not answering, which keep their kinds.
     */
    @Override
    public CpReply flashcopy(Vaddr source, Vaddr target) throws CpException {
        try {
            return run("FLASHCOPY", source.value(), "0", "END", "TO", target.value(), "0", "END", "SYNC");
        } catch (CpException e) {
            if (e.kind() == CpException.Kind.FAILED) {
                throw e.as(CpException.Kind.FLASHCOPY_UNAVAILABLE);
            }
            throw e;
        }
    }

    @Override
    public CpReply xautolog(Userid userid) throws CpException {
        return run("XAUTOLOG", userid.value());
    }

    @Override
    public CpReply force(Userid userid) throws CpException {
        return run("FORCE", userid.value());
    }

    /**
     * Runs one CP command.
     *
     * @throws IllegalArgumentException if the command is not 1-16 letters or an operand not 1-8 characters
     *     of A-Z 0-9 @ # $
     */
    CpReply run(String... words) throws CpException {
        if (words.length == 0 || words[0] == null || !COMMAND.matcher(words[0]).matches()) {
            throw new IllegalArgumentException("'" + (words.length == 0 ? "" : words[0])
                    + "' is not a CP command: 1-16 letters A-Z");
        }
        for (String word : java.util.Arrays.asList(words).subList(1, words.length)) {
            if (word == null || !WORD.matcher(word).matches()) {
                throw new IllegalArgumentException("'" + word + "' is not a CP command word: 1-8 characters of A-Z 0-9 @ # $");
            }
        }
        String command = String.join(" ", words);
        Result result = exec(command, words, List.of());
        if (result.exitCode == 2) {
            result = exec(command, words, List.of("--buffer=" + LARGE_BUFFER));
            if (result.exitCode == 2) {
                throw new CpException(CpException.Kind.RESPONSE_TRUNCATED, command, -1, null,
                        "the response did not fit even a " + LARGE_BUFFER + "-byte buffer");
            }
        }
        if (result.exitCode == 1) {
            throw CpException.fromResponse(command, CpReplyParser.vmcpReturnCode(result.stderr), result.stdout);
        }
        if (result.exitCode != 0) {
            throw new CpException(CpException.Kind.CP_UNAVAILABLE, command, -1, null, "vmcp exited with " + result.exitCode + ": "
                    + (result.stderr.isBlank() ? result.stdout.strip() : result.stderr.strip()));
        }
        List<String> lines = new ArrayList<>(Arrays.asList(result.stdout.split("\n")));
        lines.removeIf(String::isBlank);
        return new CpReply(command, lines);
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private Result exec(String command, String[] words, List<String> options) throws CpException {
        List<String> argv = new ArrayList<>();
        argv.add(resolveExecutable(command));
        argv.addAll(options);
        argv.addAll(Arrays.asList(words));
        try {
            HostTool.Result result = HostTool.run(argv, environment, timeout);
            return new Result(result.exitCode(), result.stdout(), result.stderr());
        } catch (InterruptedIOException e) {
            throw new CpException(CpException.Kind.CP_UNAVAILABLE, command, -1, null, "vmcp did not answer within "
                    + timeout + " or was interrupted: " + e.getMessage());
        } catch (IOException e) {
            throw new CpException(CpException.Kind.CP_UNAVAILABLE, command, "cannot run " + argv.get(0), e);
        }
    }

    /**
     * The executable to run: a path as given, or the first match on the child environment's PATH
     * (not this process's: a test or an operator may point the child at another vmcp).
     */
    private String resolveExecutable(String command) throws CpException {
        if (executable.contains("/")) {
            return executable;
        }
        String path = environment.getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, executable);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new CpException(CpException.Kind.CP_UNAVAILABLE, command, -1, null, executable + " is not on PATH (" + path
                + "): run on a z/VM guest with s390-tools installed and the vmcp module loaded");
    }

    private static CpException unexpected(CpReply reply) {
        return new CpException(CpException.Kind.FAILED, reply.command(), 0, null, "unexpected reply: " + reply.text());
    }

    /** The environment of this process with {@code dir} first on PATH (for running a vmcp from elsewhere). */
    public static Map<String, String> environmentWithPathFirst(Path dir) {
        Map<String, String> env = new HashMap<>(System.getenv());
        String path = env.getOrDefault("PATH", "");
        env.put("PATH", dir.toAbsolutePath() + (path.isEmpty() ? "" : File.pathSeparator + path));
        return env;
    }
}
