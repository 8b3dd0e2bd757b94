package org.clonefarm.coordinator.dirmaint;

import java.util.ArrayList;
import java.util.List;
import org.clonefarm.coordinator.plan.BatchPlan;
import org.clonefarm.proto.CloneRequest;

/**
 * A batch's DirMaint commands as a REXX EXEC a z/VM administrator runs from a CMS user authorised
 * for DirMaint ({@code CLONES EXEC}): a comment naming the batch, then for each clone a comment with
 * its hostname and address followed by its commands, each {@code call dirm 'FOR LINUX001 AMDISK ...'}
 * (every command names its clone), stopping at the first non-zero return code with a message naming
 * the command. Every line fits 72 columns (a longer call is continued on the next line with REXX's
 * trailing comma), so the EXEC can be edited with XEDIT's default zone. Stateless.
 */
public final class DirMaintScript {
    private static final int COLUMNS = 72;

    private DirMaintScript() {
    }

    /**
     * The EXEC for the commands of {@code journal} not yet applied.
     *
     * @param plan the batch's plan (for hostnames and addresses in the comments)
     */
    public static String exec(BatchPlan plan, DirMaintJournal journal) {
        List<String> lines = new ArrayList<>();
        lines.add("/* REXX: clonefarm batch " + plan.batchId() + " */");
        comment(lines, plan.clones() + " clones of " + plan.spec().master() + " LIKE " + plan.spec().prototype()
                + ", spec " + plan.specDigest().substring(0, 16) + ".");
        comment(lines, "Made by clonefarm submit --directory-manager dirmaint; the extents are the"
                + " plan's own, so run it as it is. Then run the same submit with --dirmaint-applied.");
        if (journal.appliedCount() > 0) {
            comment(lines, journal.appliedCount() + " commands were applied before and are left out.");
        }
        lines.add("signal on novalue");
        String current = null;
        for (int i = 0; i < journal.commands().size(); i++) {
            if (journal.isApplied(i)) {
                continue;
            }
            DirMaintCommand command = journal.commands().get(i);
            if (!command.userid().equals(current)) {
                current = command.userid();
                lines.add("");
                comment(lines, "Clone " + current + describe(plan, current));
            }
            call(lines, command.words().subList(1, command.words().size()));
        }
        lines.add("");
        lines.add("say 'clonefarm batch " + plan.batchId() + ": all DirMaint commands done'");
        lines.add("exit 0");
        lines.add("");
        lines.add("dirm: parse arg command");
        lines.add("  'DIRM' command");
        lines.add("  if rc <> 0 then do");
        lines.add("    say 'DIRM' command 'failed with rc' rc");
        lines.add("    exit rc");
        lines.add("  end");
        lines.add("  return");
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            if (line.length() > COLUMNS) {
                throw new IllegalArgumentException("EXEC line is " + line.length() + " columns, more than " + COLUMNS
                        + ": '" + line + "'");
            }
            out.append(line).append('\n');
        }
        return out.toString();
    }

    /** {@code call dirm 'words'}, continued as {@code call dirm 'first words',} + {@code   'rest'} when too wide. */
    private static void call(List<String> lines, List<String> words) {
        String one = "call dirm '" + String.join(" ", words) + "'";
        if (one.length() <= COLUMNS) {
            lines.add(one);
            return;
        }
        StringBuilder first = new StringBuilder("call dirm '");
        int i = 0;
        while (i < words.size() && first.length() + words.get(i).length() + 3 <= COLUMNS) {
            first.append(i == 0 ? "" : " ").append(words.get(i));
            i++;
        }
        lines.add(first + "',");
        lines.add("  '" + String.join(" ", words.subList(i, words.size())) + "'");
    }

    /**
     * The DirMaint commands in an EXEC made by {@link #exec}, in order, with the clone each names
     * (for checks and tests).
     */
    public static List<DirMaintCommand> commandsOf(String exec) {
        List<DirMaintCommand> commands = new ArrayList<>();
        String[] lines = exec.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("call dirm '")) {
                String text = lines[i].substring("call dirm '".length());
                if (text.endsWith("',")) {
                    text = text.substring(0, text.length() - 2) + " " + lines[++i].trim().substring(1);
                }
                text = "DIRM " + text.substring(0, text.length() - 1);
                String[] words = text.split("\\s+");
                String userid = words[1].equals("FOR") || words[1].equals("ADD") ? words[2] : "";
                commands.add(DirMaintCommand.parse(userid, text));
            }
        }
        return commands;
    }

    private static String describe(BatchPlan plan, String userid) {
        for (CloneRequest request : plan.requests()) {
            if (request.getUserid().equals(userid)) {
                String ip = request.getSettings().getIpaddr();
                return ": " + request.getSettings().getHostname() + (ip.isEmpty() ? "" : " " + ip);
            }
        }
        return "";
    }

    /** Wraps text into REXX comment lines of at most 72 columns. */
    private static void comment(List<String> lines, String text) {
        int width = COLUMNS - 6;
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add("/* " + pad(line) + " */");
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add("/* " + pad(line) + " */");
        }
    }

    private static String pad(StringBuilder line) {
        return String.format("%-" + (COLUMNS - 6) + "s", line);
    }
}
