package org.clonefarm.platform.cp.internal;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clonefarm.platform.cp.UseridReply;
import org.clonefarm.platform.cp.VirtualDasd;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;

/**
 * Reads CP's replies to the commands clonefarm issues. Pure functions of the text; thread-safe.
 */
public final class CpReplyParser {

    /** {@code DASD 0200 3390 LX0001 R/W  1800 CYL ON DASD  1356 SUBCHANNEL = 0003}; the volser may be {@code (VDSK)}. */
    private static final Pattern DASD = Pattern.compile(
            "^\\s*DASD\\s+([0-9A-F]{1,4})\\s+(\\S+)\\s+(\\S+)\\s+(R/W|R/O)\\s+(\\d+)\\s+(CYL|BLK)\\s+ON\\s+DASD\\s+(\\S+)",
            Pattern.MULTILINE);

    /** {@code LINUX001 AT ZVMSYS1}. */
    private static final Pattern USERID = Pattern.compile("^\\s*(\\S+)\\s+AT\\s+(\\S+)", Pattern.MULTILINE);

    /** {@code Error: non-zero CP response for command 'LINK ...': #53}. */
    private static final Pattern VMCP_RC = Pattern.compile("non-zero CP response for command '.*': #(-?\\d+)");

    private CpReplyParser() {
    }

    /** The reply to {@code QUERY USERID}; empty when the text is not one. */
    public static Optional<UseridReply> userid(String reply) {
        Matcher m = USERID.matcher(reply.toUpperCase(Locale.ROOT));
        if (!m.find() || !Userid.isValid(m.group(1))) {
            return Optional.empty();
        }
        return Optional.of(new UseridReply(new Userid(m.group(1)), m.group(2)));
    }

    /** The reply to {@code QUERY VIRTUAL vaddr} for a DASD at {@code vaddr}; empty when there is none. */
    public static Optional<VirtualDasd> virtualDasd(Vaddr vaddr, String reply) {
        Matcher m = DASD.matcher(reply.toUpperCase(Locale.ROOT));
        while (m.find()) {
            if (Vaddr.of(m.group(1)).equals(vaddr)) {
                return Optional.of(new VirtualDasd(vaddr, m.group(2), m.group(3), m.group(4).equals("R/W"),
                        Long.parseLong(m.group(5)), m.group(6).equals("CYL"), m.group(7)));
            }
        }
        return Optional.empty();
    }

    /** Every DASD line of a {@code QUERY VIRTUAL DASD} reply, in reply order. */
    public static java.util.List<VirtualDasd> virtualDasds(String reply) {
        java.util.List<VirtualDasd> dasds = new java.util.ArrayList<>();
        Matcher m = DASD.matcher(reply.toUpperCase(Locale.ROOT));
        while (m.find()) {
            dasds.add(new VirtualDasd(Vaddr.of(m.group(1)), m.group(2), m.group(3), m.group(4).equals("R/W"),
                    Long.parseLong(m.group(5)), m.group(6).equals("CYL"), m.group(7)));
        }
        return dasds;
    }

    /** CP's return code from vmcp's error line on stderr, or -1. */
    public static int vmcpReturnCode(String stderr) {
        Matcher m = VMCP_RC.matcher(stderr);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** Whether a LINK reply says write access was refused and read-only given instead ({@code forced R/O}). */
    public static boolean forcedReadOnly(String reply) {
        return reply.toUpperCase(Locale.ROOT).contains("FORCED R/O");
    }
}
