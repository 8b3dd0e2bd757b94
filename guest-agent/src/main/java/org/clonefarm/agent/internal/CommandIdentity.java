package org.clonefarm.agent.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.clonefarm.agent.AgentException;
import org.clonefarm.agent.AgentStep;
import org.clonefarm.agent.Identity;
import org.clonefarm.agent.WhoAmI;

/**
 * Asks CP who this guest is by running a command such as {@code vmcp q userid}, whose answer is
 * {@code LINUX001 AT ZVMSYS1}. (The platform's {@code VmcpCp} replaces the command once merged.)
 * Thread-safe: every call runs the command anew.
 */
public final class CommandIdentity implements Identity {
    private final List<String> command;
    private final Duration timeout;

    public CommandIdentity(List<String> command, Duration timeout) {
        this.command = List.copyOf(command);
        this.timeout = timeout;
    }

    @Override
    public WhoAmI whoAmI() {
        String shown = String.join(" ", command);
        ProcessRunner.Result result;
        try {
            result = ProcessRunner.run(command, timeout);
        } catch (IOException e) {
            throw new AgentException(AgentStep.IDENTIFY, "cannot run '" + shown + "' to ask CP for the userid: "
                    + e.getMessage(), true, e);
        } catch (TimeoutException e) {
            throw new AgentException(AgentStep.IDENTIFY, e.getMessage(), true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException(AgentStep.IDENTIFY, "interrupted while running '" + shown + "'", true, e);
        }
        if (result.exitCode() != 0) {
            throw new AgentException(AgentStep.IDENTIFY, "'" + shown + "' exited with " + result.exitCode() + ": "
                    + result.firstMessageLine(), true);
        }
        String[] words = result.stdout().trim().split("\\s+");
        String system = words.length >= 3 && words[1].equalsIgnoreCase("AT") ? words[2] : "";
        return WhoAmI.of(words[0], system);
    }
}
