package org.clonefarm.coordinator.dirmaint;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.clonefarm.platform.directory.CommentLine;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.LinkStatement;
import org.clonefarm.platform.directory.MdiskLocation;
import org.clonefarm.platform.directory.MdiskStatement;
import org.clonefarm.platform.directory.Statement;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.directory.UserStatement;
import org.clonefarm.platform.ids.Vaddr;

/**
 * Turns a planned clone entry into the DirMaint commands that make the same entry on z/VM, in order:
 * <ol>
 *   <li>{@code DIRM ADD clone LIKE prototype PW password}: the prototype's statements, as the
 *       local simulation's {@code Prototype.like} takes them (the password is the planned entry's,
 *       {@code AUTOONLY} from the planner: never a real one);</li>
 *   <li>for each device the prototype defines that the clone must not have as the prototype has it
 *       (a vaddr the spec decides, or an {@code AUTOG} minidisk that DirMaint would place itself):
 *       {@code DIRM FOR clone DMDISK vaddr} or {@code DIRM FOR clone LINK owner vaddr myvaddr DELETE};</li>
 *   <li>for each minidisk and link of the planned entry that the prototype does not already give:
 *       {@code DIRM FOR clone AMDISK vaddr devtype start size volser mode} with the EXACT extent the
 *       whole-batch allocator planned (so the plan's no-overlap guarantee is what z/VM gets),
 *       {@code AMDISK vaddr FB-512 V-DISK blocks mode}, {@code T-DISK}, or
 *       {@code DIRM FOR clone LINK owner vaddr myvaddr mode}.</li>
 * </ol>
 * The batch marker comment is not rendered (DirMaint has no command for a comment line); the
 * submit's journal keeps it instead. Every statement the commands produce fits 72 columns (checked
 * by printing the planned entry). Stateless and thread-safe.
 */
public final class DirMaintRenderer {

    private final DirectoryEntry prototype;

    /** @param prototype the prototype entry as DirMaint has it (LIKE takes it as it is) */
    public DirMaintRenderer(DirectoryEntry prototype) {
        this.prototype = Objects.requireNonNull(prototype, "prototype");
    }

    /**
     * The commands for one planned clone entry.
     *
     * @throws IllegalArgumentException when the entry has something DirMaint commands here cannot make:
     *     a statement outside devices that the prototype lacks, an unallocated AUTOG, minidisk passwords,
     *     or a statement wider than 72 columns
     */
    public List<DirMaintCommand> render(DirectoryEntry clone) {
        String userid = clone.name().value();
        UserStatement user = clone.user().orElseThrow(() ->
                new IllegalArgumentException(userid + " is not a USER entry; DirMaint ADD LIKE makes USER entries"));
        UserDirectory one = UserDirectory.empty();
        one.add(clone);
        one.print(); // throws naming the statement that would not fit 72 columns
        Map<String, Statement> protoDevices = devices(prototype);
        Map<String, Statement> cloneDevices = devices(clone);
        checkOtherStatements(clone);

        List<DirMaintCommand> commands = new ArrayList<>();
        commands.add(command(userid, "DIRM", "ADD", userid, "LIKE", prototype.name().value(), "PW", user.password()));
        for (Map.Entry<String, Statement> device : protoDevices.entrySet()) {
            Statement own = device.getValue();
            if (keptAsIs(own, cloneDevices.get(device.getKey()))) {
                continue;
            }
            if (own instanceof MdiskStatement mdisk) {
                commands.add(command(userid, "DIRM", "FOR", userid, "DMDISK", mdisk.vaddr().value()));
            } else if (own instanceof LinkStatement link) {
                commands.add(command(userid, "DIRM", "FOR", userid, "LINK", link.owner().value(), link.vaddr().value(),
                        link.myVaddr().value(), "DELETE"));
            } else {
                throw new IllegalArgumentException("prototype " + prototype.name() + ": device " + device.getKey() + " ("
                        + own.keyword() + ") cannot be removed with a DirMaint command here; clones must keep it");
            }
        }
        for (Map.Entry<String, Statement> device : cloneDevices.entrySet()) {
            Statement wanted = device.getValue();
            if (keptAsIs(protoDevices.get(device.getKey()), wanted)) {
                continue;
            }
            if (wanted instanceof MdiskStatement mdisk) {
                commands.add(amdisk(userid, mdisk));
            } else if (wanted instanceof LinkStatement link) {
                List<String> words = new ArrayList<>(List.of("DIRM", "FOR", userid, "LINK", link.owner().value(),
                        link.vaddr().value(), link.myVaddr().value()));
                words.add(link.mode() == null ? "RR" : link.mode());
                commands.add(new DirMaintCommand(userid, words));
            } else {
                throw new IllegalArgumentException(userid + ": device " + device.getKey() + " (" + wanted.keyword()
                        + ") is not in prototype " + prototype.name() + " and has no DirMaint command here");
            }
        }
        return commands;
    }

    /** The prototype's statement is what the clone has, and DirMaint's LIKE copies it unchanged. */
    private static boolean keptAsIs(Statement own, Statement wanted) {
        if (own == null || !own.equals(wanted)) {
            return false;
        }
        return !(own instanceof MdiskStatement mdisk && mdisk.location() instanceof MdiskLocation.AutoGroup);
    }

    private static DirMaintCommand amdisk(String userid, MdiskStatement mdisk) {
        if (!mdisk.passwords().isEmpty()) {
            throw new IllegalArgumentException(userid + ": MDISK " + mdisk.vaddr() + " has minidisk passwords, which"
                    + " clonefarm does not print; give the prototype the minidisk instead");
        }
        List<String> words = new ArrayList<>(List.of("DIRM", "FOR", userid, "AMDISK", mdisk.vaddr().value(),
                mdisk.deviceType().directoryName()));
        MdiskLocation location = mdisk.location();
        if (location instanceof MdiskLocation.OnVolume on) {
            if (on.size() == MdiskLocation.END) {
                throw new IllegalArgumentException(userid + ": MDISK " + mdisk.vaddr() + " runs to END of " + on.volid()
                        + "; a clone's minidisk needs a planned size");
            }
            words.addAll(on.tokens());
        } else if (location instanceof MdiskLocation.VDisk || location instanceof MdiskLocation.TDisk) {
            words.addAll(location.tokens());
        } else {
            throw new IllegalArgumentException(userid + ": MDISK " + mdisk.vaddr() + " is " + String.join(" ", location.tokens())
                    + ", not a planned extent; plan the batch before rendering it");
        }
        words.add(mdisk.mode() == null ? "MR" : mdisk.mode());
        return new DirMaintCommand(userid, words);
    }

    /** Statements other than minidisks and links must be the prototype's (LIKE copies them), or comments. */
    private void checkOtherStatements(DirectoryEntry clone) {
        List<Statement> own = prototype.body().stream()
                .filter(DirMaintRenderer::copiedByLike).toList();
        List<Statement> wanted = clone.body().stream()
                .filter(DirMaintRenderer::copiedByLike).toList();
        if (!own.equals(wanted)) {
            List<Statement> extra = new ArrayList<>(wanted);
            extra.removeAll(own);
            List<Statement> missing = new ArrayList<>(own);
            missing.removeAll(wanted);
            throw new IllegalArgumentException(clone.name() + " differs from prototype " + prototype.name()
                    + " in statements DirMaint ADD LIKE copies: " + (extra.isEmpty() ? "" : "extra " + describe(extra))
                    + (missing.isEmpty() ? "" : " missing " + describe(missing)));
        }
    }

    /** Statements ADD LIKE copies that no command here changes: all but minidisks, links and comments. */
    private static boolean copiedByLike(Statement statement) {
        return !(statement instanceof MdiskStatement || statement instanceof LinkStatement || statement instanceof CommentLine);
    }

    private static String describe(List<Statement> statements) {
        return statements.stream().map(s -> String.join(" ", s.tokens())).toList().toString();
    }

    private static Map<String, Statement> devices(DirectoryEntry entry) {
        Map<String, Statement> devices = new LinkedHashMap<>();
        for (Statement statement : entry.body()) {
            Optional<Vaddr> vaddr = DirectoryEntry.definedVaddr(statement);
            if (vaddr.isPresent() && (statement instanceof MdiskStatement || statement instanceof LinkStatement)) {
                devices.putIfAbsent(vaddr.get().value(), statement);
            }
        }
        return devices;
    }

    private static DirMaintCommand command(String userid, String... words) {
        return new DirMaintCommand(userid, List.of(words));
    }
}
