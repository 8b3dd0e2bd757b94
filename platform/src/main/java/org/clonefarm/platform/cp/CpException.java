package org.clonefarm.platform.cp;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CP command that failed: the command, CP's return code, the HCP message (its id, such as
 * {@code HCPLNM053E}, and text) and a {@link Kind} saying what went wrong and whether retrying can
 * help. Checked: a caller of {@link Cp} decides per command what a failure means.
 */
public class CpException extends Exception {
    private static final long serialVersionUID = 1L;

    private static final Pattern MESSAGE_ID = Pattern.compile("\\bHCP[A-Z]{3}\\d{3,4}[A-Z]\\b");

    /** What went wrong. */
    public enum Kind {
        /** The userid has no directory entry (HCPxxx053E). */
        NOT_IN_DIRECTORY(false),
        /** The device does not exist (HCPxxx040E). */
        NO_SUCH_DEVICE(false),
        /** The user is not logged on (HCPxxx045E). */
        NOT_LOGGED_ON(false),
        /** The user is logged on already. */
        ALREADY_LOGGED_ON(false),
        /** The link mode conflicts with another user's link; may succeed once that link is gone. */
        LINK_CONFLICT(true),
        /** The virtual device address is in use already. */
        DEVICE_IN_USE(false),
        /** The response did not fit vmcp's buffer even after a larger retry. */
        RESPONSE_TRUNCATED(true),
        /** CP cannot be reached: no {@code vmcp} command, no {@code /dev/vmcp}, or it did not answer in time. */
        CP_UNAVAILABLE(true),
        /**
         * FLASHCOPY cannot be done here (the storage has no such feature, the extents are on different
         * subsystems, or the privilege class lacks the command): copy the bytes another way.
         */
        FLASHCOPY_UNAVAILABLE(false),
        /** Any other CP error; see the message. */
        FAILED(false);

        private final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }

        /** Whether retrying later can help. */
        public boolean retryable() {
            return retryable;
        }
    }

    private final Kind kind;
    private final String command;
    private final int returnCode;
    private final String messageId;
    private final String text;

    /**
     * @param kind what went wrong
     * @param command the CP command as issued
     * @param returnCode CP's return code, or -1 when CP did not give one
     * @param messageId the HCP message id, or {@code null}
     * @param message the text to show (CP's message, or a description)
     */
    public CpException(Kind kind, String command, int returnCode, String messageId, String message) {
        super("CP " + command + " failed" + (returnCode >= 0 ? " (rc " + returnCode + ")" : "") + ": " + message);
        this.kind = kind;
        this.command = command;
        this.returnCode = returnCode;
        this.messageId = messageId;
        this.text = message;
    }

    /** A copy of {@code other} with another kind and the same text. */
    private CpException(CpException other, Kind kind) {
        super(other.getMessage(), other);
        this.kind = kind;
        this.command = other.command;
        this.returnCode = other.returnCode;
        this.messageId = other.messageId;
        this.text = other.text;
    }

    /** The same failure, of {@code newKind}: for a caller that knows better what CP's answer means. */
    public CpException as(Kind newKind) {
        return new CpException(this, newKind);
    }

    /** Same, with the cause (an I/O error running vmcp, a timeout). */
    public CpException(Kind kind, String command, String message, Throwable cause) {
        super("CP " + command + " failed: " + message, cause);
        this.kind = kind;
        this.command = command;
        this.returnCode = -1;
        this.messageId = null;
        this.text = message;
    }

    /** The exception for a response that carries an HCP message, its kind read from the message number. */
    public static CpException fromResponse(String command, int returnCode, String response) {
        Optional<String> id = messageId(response);
        String text = response.strip().isEmpty() ? "no message" : response.strip();
        return new CpException(id.map(CpException::kindOf).orElse(Kind.FAILED), command, returnCode, id.orElse(null), text);
    }

    /** The first HCP message id in {@code text}. */
    public static Optional<String> messageId(String text) {
        Matcher matcher = MESSAGE_ID.matcher(text.toUpperCase(Locale.ROOT));
        return matcher.find() ? Optional.of(matcher.group()) : Optional.empty();
    }

    /** The kind a message id stands for, read from its number (the module prefix varies by command). */
    public static Kind kindOf(String messageId) {
        String number = messageId.substring(6, messageId.length() - 1);
        return switch (Integer.parseInt(number)) {
            case 53 -> Kind.NOT_IN_DIRECTORY;
            case 40 -> Kind.NO_SUCH_DEVICE;
            case 45 -> Kind.NOT_LOGGED_ON;
            case 104, 105 -> Kind.LINK_CONFLICT;
            default -> Kind.FAILED;
        };
    }

    /** What went wrong. */
    public Kind kind() {
        return kind;
    }

    /** Whether retrying later can help. */
    public boolean retryable() {
        return kind.retryable();
    }

    /** The CP command as issued. */
    public String command() {
        return command;
    }

    /** CP's return code, or -1. */
    public int returnCode() {
        return returnCode;
    }

    /** What CP answered (the HCP message as CP prints it, e.g. {@code HCPLNM053E X not in CP directory}), or the description. */
    public String text() {
        return text;
    }

    /** The HCP message id (e.g. {@code HCPLNM053E}), if CP gave one. */
    public Optional<String> messageId() {
        return Optional.ofNullable(messageId);
    }
}
