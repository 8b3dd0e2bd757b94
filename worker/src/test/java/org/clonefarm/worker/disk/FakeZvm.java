package org.clonefarm.worker.disk;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.clonefarm.platform.cp.VmcpCp;

/**
 * A z/VM guest's CP as seen through a fake {@code vmcp} executable: a bash script that answers LINK, QUERY
 * VIRTUAL, DETACH and FLASHCOPY with z/VM's reply texts and vmcp's exit codes (1 and
 * {@code Error: non-zero CP response for command '...': #rc} on stderr for an HCP error), from plain files:
 *
 * <ul>
 *   <li>{@code minidisks}: {@code OWNER VADDR TYPE SIZE VOLSER FILE [FLAGS]}, the CP directory; FILE holds
 *       the minidisk's bytes; FLAGS {@code unmounted} (LINK answers HCPLNM108E) or {@code vanish} (LINK
 *       succeeds but the link is gone at once, so QUERY VIRTUAL answers HCPQVD040E);</li>
 *   <li>{@code links}: {@code VDEV OWNER VADDR MODE}, what this guest has linked (CP's state: survives a
 *       killed worker, like the real CP);</li>
 *   <li>{@code flashcopy}: absent or {@code ok} (FLASHCOPY copies the file and answers
 *       {@code Command complete}), else {@code RC TEXT} to fail with;</li>
 *   <li>{@code commands.log}: every command vmcp was asked to issue, one a line.</li>
 * </ul>
 * Test code; thread-safe: the script takes a file lock for each command, as CP serialises a guest's commands.
 */
public final class FakeZvm {
    private static final String SCRIPT = """
            #!/bin/bash
            # fake vmcp: answers CP commands as z/VM does, from the files in $FAKE_ZVM
            Z="$FAKE_ZVM"
            exec 9>"$Z/cp.lock"; flock 9   # CP runs one command of a guest at a time
            CMD="$*"
            echo "$CMD" >> "$Z/commands.log"
            touch "$Z/links"
            fail() { echo "$2"; echo "Error: non-zero CP response for command '$CMD': #$1" >&2; exit 1; }
            dasd_line() { # VDEV OWNER VADDR MODE
              md=$(grep "^$2 $3 " "$Z/minidisks") || return
              set -- $1 $4 $md
              type=$5; unit=BLK; [ "$type" = 3390 ] && unit=CYL; [ "$type" = FB-512 ] && type=9336
              access=R/O; [ "$2" = MR ] && access=R/W
              printf 'DASD %s %s %s %s %10s %s ON DASD  0D01 SUBCHANNEL = 0003\\n' "$1" "$type" "$7" "$access" "$6" "$unit"
            }
            case "$1" in
              Q)
                if [ "$2" = V ] && [ "$3" = DASD ]; then
                  [ -s "$Z/links" ] || fail 40 "HCPQVD040E Device DASD does not exist"
                  sort "$Z/links" | while read -r l; do dasd_line $l; done
                elif [ "$2" = V ]; then
                  l=$(grep "^$3 " "$Z/links") || fail 40 "HCPQVD040E Device $3 does not exist"
                  dasd_line $l
                fi ;;
              LINK)
                owner=$2; vaddr=$3; vdev=$4; mode=$5
                grep -q "^$owner " "$Z/minidisks" || fail 53 "HCPLNM053E $owner not in CP directory"
                md=$(grep "^$owner $vaddr " "$Z/minidisks") || fail 40 "HCPLNM040E Device $vaddr does not exist"
                grep -q "^$vdev " "$Z/links" && fail 6 "HCPLNM006E Device $vdev already defined"
                set -- $md
                case "$7" in *unmounted*) fail 108 "HCPLNM108E $owner $vaddr not linked; volid $5 not mounted";; esac
                case "$7" in *vanish*) exit 0;; esac
                echo "$vdev $owner $vaddr $mode" >> "$Z/links" ;;
              DETACH)
                grep -q "^$2 " "$Z/links" || fail 40 "HCPDTV040E Device $2 does not exist"
                grep -v "^$2 " "$Z/links" > "$Z/links.new"; mv "$Z/links.new" "$Z/links"
                echo "DASD $2 DETACHED" ;;
              FLASHCOPY)
                mode=$(cat "$Z/flashcopy" 2>/dev/null || echo ok)
                if [ "$mode" != ok ]; then fail "${mode%% *}" "${mode#* }"; fi
                s=$(grep "^$2 " "$Z/links") || fail 40 "HCPFCX040E Device $2 does not exist"
                t=$(grep "^$6 " "$Z/links") || fail 40 "HCPFCX040E Device $6 does not exist"
                set -- $s; sf=$(grep "^$2 $3 " "$Z/minidisks" | awk '{print $6}')
                set -- $t; tf=$(grep "^$2 $3 " "$Z/minidisks" | awk '{print $6}')
                dd if="$sf" of="$tf" bs=1M conv=notrunc status=none
                echo "Command complete: FLASHCOPY $2 0 END TO $6 0 END SYNC" ;;
              *) fail 1 "HCPCMD001E Unknown CP command: $1" ;;
            esac
            exit 0
            """;

    private final Path dir;
    private final Path vmcp;

    private FakeZvm(Path dir) {
        this.dir = dir;
        this.vmcp = dir.resolve("vmcp");
    }

    /** A fake CP in {@code dir} with no minidisks and nothing linked. */
    public static FakeZvm create(Path dir) throws IOException {
        Files.createDirectories(dir);
        FakeZvm zvm = new FakeZvm(dir);
        Files.writeString(zvm.vmcp, SCRIPT, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(zvm.vmcp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve("minidisks"), "", StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("links"), "", StandardCharsets.US_ASCII);
        return zvm;
    }

    /** The same fake CP again (another process's view of it). */
    public static FakeZvm at(Path dir) {
        return new FakeZvm(dir);
    }

    public Path directory() {
        return dir;
    }

    /** CP through the fake vmcp. */
    public VmcpCp cp() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("FAKE_ZVM", dir.toString());
        return new VmcpCp(vmcp.toString(), env, Duration.ofSeconds(20));
    }

    /**
     * Adds a minidisk whose bytes are {@code file} (created with {@code bytes} zeros if absent).
     *
     * @param type {@code 3390} (size in cylinders) or {@code FB-512} (size in blocks)
     * @param flags {@code ""}, {@code unmounted} or {@code vanish}
     */
    public Path addMinidisk(String owner, String vaddr, String type, long size, String volser, long bytes, String flags)
            throws IOException {
        Path file = dir.resolve("disks").resolve(owner + "." + vaddr);
        Files.createDirectories(file.getParent());
        if (!Files.exists(file)) {
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(bytes);
            }
        }
        Files.writeString(dir.resolve("minidisks"), owner + " " + vaddr + " " + type + " " + size + " " + volser + " "
                + file + (flags.isEmpty() ? "" : " " + flags) + "\n", StandardCharsets.US_ASCII, StandardOpenOption.APPEND);
        return file;
    }

    /** The file holding a minidisk's bytes. */
    public Path fileOf(String owner, String vaddr) {
        return dir.resolve("disks").resolve(owner + "." + vaddr);
    }

    /** The minidisk linked at {@code vdev} now ({@code OWNER VADDR}), if any. */
    public Optional<String> linkedAt(String vdev) throws IOException {
        for (String link : links()) {
            String[] words = link.split(" ");
            if (words[0].equalsIgnoreCase(vdev)) {
                return Optional.of(words[1] + " " + words[2]);
            }
        }
        return Optional.empty();
    }

    /** {@code VDEV OWNER VADDR MODE} of everything linked now. */
    public List<String> links() throws IOException {
        return Files.readAllLines(dir.resolve("links")).stream().filter(l -> !l.isBlank()).toList();
    }

    /** Every command issued so far. */
    public List<String> commands() throws IOException {
        try {
            return Files.readAllLines(dir.resolve("commands.log"));
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    /** The vdevs of the LINK commands issued (whether CP granted them or not). */
    public List<String> linkedVdevs() throws IOException {
        return commands().stream().filter(c -> c.startsWith("LINK ")).map(c -> c.split(" ")[3]).toList();
    }

    /** The vdevs of the DETACH commands issued. */
    public List<String> detachedVdevs() throws IOException {
        return commands().stream().filter(c -> c.startsWith("DETACH ")).map(c -> c.split(" ")[1]).toList();
    }

    /** FLASHCOPY succeeds from now on. */
    public void flashcopySucceeds() throws IOException {
        Files.writeString(dir.resolve("flashcopy"), "ok");
    }

    /** FLASHCOPY fails from now on with CP's return code and message. */
    public void flashcopyFails(int rc, String message) throws IOException {
        Files.writeString(dir.resolve("flashcopy"), rc + " " + message);
    }
}
