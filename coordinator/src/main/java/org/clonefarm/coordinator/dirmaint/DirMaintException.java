package org.clonefarm.coordinator.dirmaint;

/**
 * A DirMaint command that failed while a submit applied a batch: which command, for which clone,
 * its exit code and stderr. Retryable: the commands before it are recorded in the journal, so
 * running the same submit again continues with this command once the cause is fixed.
 */
public final class DirMaintException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String userid;
    private final String command;
    private final int exitCode;

    public DirMaintException(String message, String userid, String command, int exitCode, Throwable cause) {
        super(message, cause);
        this.userid = userid;
        this.command = command;
        this.exitCode = exitCode;
    }

    /** The clone the failed command was for. */
    public String userid() {
        return userid;
    }

    /** The failed command's text. */
    public String command() {
        return command;
    }

    /** Its exit code; -1 when it was killed at the timeout or could not be started. */
    public int exitCode() {
        return exitCode;
    }
}
