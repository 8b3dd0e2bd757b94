package org.clonefarm.platform.directory;

import java.util.Locale;
import java.util.Optional;

/**
 * CP link modes: how a user asks to access a minidisk, and what CP grants given the links that
 * already exist. MDISK statements use the same letters for the owner's own access, optionally with a
 * suffix ({@code V} virtual reserve/release, {@code E} exclusive) that {@link #of(String)} drops.
 */
public enum LinkMode {
    /** Read-only, unless another user has write access: then refused. */
    R(false, Fallback.REFUSE_IF_WRITER),
    /** Read-only, always. */
    RR(false, Fallback.NONE),
    /** Write, only if nobody else is linked: else refused. */
    W(true, Fallback.REFUSE_IF_ANY_LINK),
    /** Write if nobody else is linked, else read-only. */
    WR(true, Fallback.READ_IF_ANY_LINK),
    /** Write, unless another user has write access: then refused. */
    M(true, Fallback.REFUSE_IF_WRITER),
    /** Write, unless another user has write access: then read-only. */
    MR(true, Fallback.READ_IF_WRITER),
    /** Write, always, even next to other writers (the users must coordinate). */
    MW(true, Fallback.NONE);

    /** What happens when the primary access cannot be granted. */
    enum Fallback { NONE, REFUSE_IF_WRITER, REFUSE_IF_ANY_LINK, READ_IF_ANY_LINK, READ_IF_WRITER }

    private final boolean write;
    private final Fallback fallback;

    LinkMode(boolean write, Fallback fallback) {
        this.write = write;
        this.fallback = fallback;
    }

    /** Whether the mode asks for write access. */
    public boolean asksWrite() {
        return write;
    }

    /**
     * The access CP grants for this mode, given whether other users are linked and whether one of
     * them writes: {@code true} write, {@code false} read-only, empty = refused.
     */
    public Optional<Boolean> grant(boolean otherLinks, boolean otherWriter) {
        return switch (fallback) {
            case NONE -> Optional.of(write);
            case REFUSE_IF_WRITER -> otherWriter ? Optional.empty() : Optional.of(write);
            case REFUSE_IF_ANY_LINK -> otherLinks ? Optional.empty() : Optional.of(true);
            case READ_IF_ANY_LINK -> Optional.of(!otherLinks);
            case READ_IF_WRITER -> Optional.of(!otherWriter);
        };
    }

    /** The mode for {@code text} ({@code mr}, {@code MR}, {@code MRV}); a V or E suffix is dropped. */
    public static LinkMode of(String text) {
        if (!isValid(text)) {
            throw new IllegalArgumentException("'" + text + "' is not a link mode: expected R, RR, W, WR, M, MR or MW");
        }
        return valueOf(base(text.toUpperCase(Locale.ROOT)));
    }

    /** Whether {@code text} is a link mode, with an optional V or E suffix. */
    public static boolean isValid(String text) {
        if (text == null || text.isEmpty()) {
            return false;
        }
        String base = base(text.toUpperCase(Locale.ROOT));
        for (LinkMode mode : values()) {
            if (mode.name().equals(base)) {
                return true;
            }
        }
        return false;
    }

    private static String base(String upper) {
        if (upper.length() > 1 && (upper.endsWith("V") || upper.endsWith("E"))) {
            return upper.substring(0, upper.length() - 1);
        }
        return upper;
    }
}
