package org.clonefarm.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.clonefarm.platform.cp.CpException;
import org.clonefarm.platform.cp.CpReply;
import org.clonefarm.platform.cp.LinkResult;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.cp.VirtualDasd;
import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clonefarm zvm vmcp --data DIR [--as USERID] CP COMMAND...}: s390-tools' vmcp over the simulated CP. */
@Command(
        name = "vmcp",
        mixinStandardHelpOptions = true,
        description = {
            "Issue a CP command to the simulated CP of a local simulation, as vmcp does on z/VM.",
            "",
            "The words are upper-cased and joined. Standard output is CP's reply. When CP answers with an error the exit "
                    + "code is 1, the HCP message is on standard output and 'Error: non-zero CP response for command "
                    + "'WORDS': #RC' on standard error, as with vmcp; 3 means the data directory cannot be used.",
            "",
            "Commands: Q USERID; Q V DASD; Q V vdev; LINK owner vaddr [AS] vdev mode; DETACH vdev; XAUTOLOG userid (fails: "
                    + "this process runs no guests, XAUTOLOG through the coordinator); FORCE userid (only a user whose guest "
                    + "process is gone); FLASHCOPY src 0 END TO tgt 0 END [SYNC]."
        })
public final class ZvmVmcpCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SimulatedGuestOptions guest;

    @Option(names = {"-b", "--buffer"}, paramLabel = "SIZE", description = "Accepted for vmcp compatibility; the reply is never truncated.")
    String buffer;

    @Parameters(arity = "1..*", paramLabel = "WORD", description = "The CP command, e.g. q v dasd.")
    List<String> words;

    @Override
    public Integer call() {
        List<String> upper = words.stream().map(w -> w.toUpperCase(Locale.ROOT)).toList();
        String command = String.join(" ", upper);
        Userid self = guest.userid();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (SimulatedCp system = guest.system()) {
            CpReply reply = execute(system.session(self), upper);
            reply.lines().forEach(out::println);
            out.flush();
            return 0;
        } catch (CpException e) {
            out.println(e.text());
            out.flush();
            err.println("Error: non-zero CP response for command '" + command + "': #" + (e.returnCode() < 0 ? 1 : e.returnCode()));
            err.flush();
            return 1;
        }
    }

    /** Runs one CP command (upper-cased words) as the session's user. */
    static CpReply execute(SimulatedCp.Session cp, List<String> w) throws CpException {
        String command = String.join(" ", w);
        String verb = w.get(0);
        if (abbreviates(verb, "QUERY", 1) && w.size() >= 2) {
            if (w.size() == 2 && w.get(1).equals("USERID")) {
                var reply = cp.queryUserid();
                return new CpReply(command, List.of(reply.userid() + " AT " + reply.system()));
            }
            if (w.size() == 3 && abbreviates(w.get(1), "VIRTUAL", 1)) {
                if (w.get(2).equals("DASD")) {
                    return new CpReply(command, cp.queryVirtualDasds().stream().map(ZvmVmcpCommand::dasdLine).toList());
                }
                if (Vaddr.isValid(w.get(2))) {
                    return new CpReply(command, List.of(dasdLine(cp.queryVirtualDasd(Vaddr.of(w.get(2))))));
                }
            }
        } else if (verb.equals("LINK") && (w.size() == 5 || (w.size() == 6 && w.get(3).equals("AS")))) {
            String vdev = w.get(w.size() - 2);
            String mode = w.get(w.size() - 1);
            if (Userid.isValid(w.get(1)) && Vaddr.isValid(w.get(2)) && Vaddr.isValid(vdev) && LinkMode.isValid(mode)) {
                LinkResult link = cp.link(Userid.of(w.get(1)), Vaddr.of(w.get(2)), Vaddr.of(vdev), LinkMode.of(mode));
                return new CpReply(command, link.mode().asksWrite() && !link.readWrite()
                        ? List.of("DASD " + link.myVaddr() + " forced R/O; another user has it R/W") : List.of());
            }
        } else if (abbreviates(verb, "DETACH", 3) && w.size() == 2 && Vaddr.isValid(w.get(1))) {
            return cp.detach(Vaddr.of(w.get(1)));
        } else if (verb.equals("XAUTOLOG") && w.size() == 2 && Userid.isValid(w.get(1))) {
            return cp.xautolog(Userid.of(w.get(1)));
        } else if (verb.equals("FORCE") && w.size() == 2 && Userid.isValid(w.get(1))) {
            return cp.force(Userid.of(w.get(1)));
        } else if (verb.equals("FLASHCOPY") && (w.size() == 8 || (w.size() == 9 && w.get(8).equals("SYNC")))
                && w.subList(2, 4).equals(List.of("0", "END")) && w.get(4).equals("TO") && w.subList(6, 8).equals(List.of("0", "END"))
                && Vaddr.isValid(w.get(1)) && Vaddr.isValid(w.get(5))) {
            return cp.flashcopy(Vaddr.of(w.get(1)), Vaddr.of(w.get(5)));
        }
        // what CP says to a command it does not know; the simulation knows only the commands above, in these forms
        throw new CpException(CpException.Kind.FAILED, command, 1, "HCPCMD001E", "HCPCMD001E Unknown CP command: " + command
                + " (the simulation knows Q USERID, Q V DASD, Q V vdev, LINK, DETACH, XAUTOLOG, FORCE and FLASHCOPY src 0 END"
                + " TO tgt 0 END)");
    }

    /** Whether {@code word} is {@code full} or an abbreviation of it at least {@code minimum} characters long. */
    private static boolean abbreviates(String word, String full, int minimum) {
        return word.length() >= minimum && full.startsWith(word);
    }

    /** {@code DASD 1200 3390 LX0001 R/W        160 CYL ON DASD  LOCAL SUBCHANNEL = 0000}: CP's line, as {@code CpReplyParser} reads it. */
    static String dasdLine(VirtualDasd dasd) {
        return String.format(Locale.ROOT, "DASD %s %-4s %-6s %s %10d %s ON DASD  %-4s SUBCHANNEL = %04X", dasd.vaddr(),
                dasd.deviceTypeName(), dasd.volser(), dasd.readWrite() ? "R/W" : "R/O", dasd.size(), dasd.cylinders() ? "CYL" : "BLK",
                dasd.realDevice(), dasd.vaddr().number());
    }
}
