package org.clonefarm.platform.master.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32C;
import org.clonefarm.platform.io.DurableFiles;
import org.clonefarm.platform.master.PlanStep;
import org.clonefarm.platform.master.PreparationProfile;
import org.clonefarm.platform.master.RelocationPlan;
import org.clonefarm.platform.master.RelocationPlan.Skipped;

/**
 * The write-ahead journal of one preparation, a text file in the master's root
 * ({@code CloneLayout.PREPARATION_JOURNAL}). Each line is {@code <CRC-32C, 8 hex> <record>}; a record is
 * words separated by blanks, each word's bytes outside {@code !..~} and {@code %} written {@code %XX}.
 *
 * <pre>
 * journal 1 CREATED PROFILE ro|rw        postmount PATH        time PATH SECONDS NANOS     skipped PATH WHY
 * mkdir PATH MODE UID GID WHY            relink PATH OLD NEW UID GID SECONDS NANOS
 * move PATH STAGE DEST LINK TYPE ENTRIES BYTES WHY                link PATH TARGET WHY
 * planned COUNT      begin N      done N      applied      undo      undone N
 * </pre>
 *
 * <p>Durability: the whole plan, up to {@code planned}, is written to a temporary file, forced and renamed
 * into place ({@link #publish}), so a journal either holds the complete plan or does not exist. Every later
 * record is appended and forced before the run goes on: {@code begin N} before step N touches the tree,
 * {@code done N} after it is finished and durable. A torn last line (a crash while appending) is dropped
 * when the journal is read and cut off before the next append; a bad line anywhere else means the journal
 * is damaged. Not thread-safe: one process prepares a master at a time.
 */
public final class PreparationJournal {
    private static final String MAGIC = "journal";
    private static final String VERSION = "1";

    private final Path file;
    private final Instant created;
    private final RelocationPlan plan;
    private final Set<Integer> begun = new HashSet<>();
    private final Set<Integer> done = new HashSet<>();
    private final Set<Integer> undone = new HashSet<>();
    private boolean applied;
    private boolean undoing;
    /** Bytes of whole, valid lines; an append first cuts the file to this length. */
    private long validLength;

    private PreparationJournal(Path file, Instant created, RelocationPlan plan, long validLength) {
        this.file = file;
        this.created = created;
        this.plan = plan;
        this.validLength = validLength;
    }

    /** The journal is unreadable or does not hold together; the message names the file and the line. */
    public static final class DamagedJournalException extends IOException {
        private static final long serialVersionUID = 1L;

        DamagedJournalException(String message) {
            super(message);
        }
    }

    /**
     * Writes the plan as a new journal at {@code file}, atomically (temporary file, force, rename, force the
     * directory); a temporary file a crash left behind is replaced.
     */
    public static PreparationJournal publish(Path file, RelocationPlan plan, Instant created) throws IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PreparationProfile profile = plan.profile();
        line(text, MAGIC, VERSION, created.toString(), profile.name(), profile.rootReadOnly() ? "ro" : "rw");
        for (String postMount : profile.postMountFiles()) {
            line(text, "postmount", postMount);
        }
        for (Map.Entry<String, FileTime> time : plan.directoryTimes().entrySet()) {
            Instant at = time.getValue().toInstant();
            line(text, "time", time.getKey(), Long.toString(at.getEpochSecond()), Integer.toString(at.getNano()));
        }
        for (Skipped skipped : plan.skipped()) {
            line(text, "skipped", skipped.path(), skipped.why());
        }
        for (PlanStep step : plan.steps()) {
            if (step instanceof PlanStep.MakeDirectory mkdir) {
                line(text, "mkdir", mkdir.path(), Integer.toOctalString(mkdir.mode()), Integer.toString(mkdir.uid()),
                        Integer.toString(mkdir.gid()), mkdir.reason());
            } else if (step instanceof PlanStep.Relink relink) {
                Instant at = relink.mtime().toInstant();
                line(text, "relink", relink.path(), relink.oldTarget(), relink.newTarget(), Integer.toString(relink.uid()),
                        Integer.toString(relink.gid()), Long.toString(at.getEpochSecond()), Integer.toString(at.getNano()));
            } else if (step instanceof PlanStep.Move move) {
                line(text, "move", move.path(), move.stage().name(), move.destination(), move.linkTarget(), move.type(),
                        Long.toString(move.entries()), Long.toString(move.bytes()), move.reason());
            } else if (step instanceof PlanStep.Link link) {
                line(text, "link", link.path(), link.target(), link.reason());
            }
        }
        line(text, "planned", Integer.toString(plan.steps().size()));
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(text.toByteArray());
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        DurableFiles.forceDirectory(file.getParent());
        return new PreparationJournal(file, created, plan, text.size());
    }

    /**
     * Reads the journal at {@code file}, or empty when there is none (a temporary file of an unfinished
     * {@link #publish} means nothing: its plan was never started, and the next publish replaces it).
     * Changes nothing, so it works on a master mounted read-only.
     *
     * @throws DamagedJournalException naming the line that is wrong
     */
    public static Optional<PreparationJournal> read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        List<List<String>> records = new ArrayList<>();
        List<Integer> lineEnds = new ArrayList<>();
        int start = 0;
        int number = 0;
        while (start < bytes.length) {
            number++;
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            boolean lastLine = end >= bytes.length - 1;
            List<String> record = end < bytes.length ? decodeLine(bytes, start, end) : null;
            if (record == null) {
                if (lastLine) {
                    break; // a torn tail: the crash came while this line was appended
                }
                throw new DamagedJournalException(file + " line " + number + " is damaged (its checksum does not match)");
            }
            records.add(record);
            lineEnds.add(end + 1);
            start = end + 1;
        }
        return Optional.of(parse(file, records, lineEnds));
    }

    private static PreparationJournal parse(Path file, List<List<String>> records, List<Integer> lineEnds)
            throws DamagedJournalException {
        if (records.isEmpty() || records.get(0).size() != 5 || !records.get(0).get(0).equals(MAGIC)
                || !records.get(0).get(1).equals(VERSION)) {
            throw new DamagedJournalException(file + " is not a clonefarm preparation journal of version " + VERSION);
        }
        int index = 0;
        try {
            List<String> header = records.get(0);
            Instant created = Instant.parse(header.get(2));
            String name = header.get(3);
            boolean rootReadOnly = header.get(4).equals("ro");
            List<String> postMount = new ArrayList<>();
            Map<String, FileTime> times = new LinkedHashMap<>();
            List<Skipped> skipped = new ArrayList<>();
            List<PlanStep> steps = new ArrayList<>();
            int planned = -1;
            for (index = 1; index < records.size() && planned < 0; index++) {
                List<String> r = records.get(index);
                switch (r.get(0)) {
                    case "postmount":
                        postMount.add(field(r, 1, 2));
                        break;
                    case "time":
                        times.put(field(r, 1, 4), FileTime.from(Instant.ofEpochSecond(Long.parseLong(r.get(2)),
                                Integer.parseInt(r.get(3)))));
                        break;
                    case "skipped":
                        skipped.add(new Skipped(field(r, 1, 3), r.get(2)));
                        break;
                    case "mkdir":
                        steps.add(new PlanStep.MakeDirectory(field(r, 1, 6), Integer.parseInt(r.get(2), 8),
                                Integer.parseInt(r.get(3)), Integer.parseInt(r.get(4)), r.get(5)));
                        break;
                    case "relink":
                        steps.add(new PlanStep.Relink(field(r, 1, 8), r.get(2), r.get(3), Integer.parseInt(r.get(4)),
                                Integer.parseInt(r.get(5)), FileTime.from(Instant.ofEpochSecond(Long.parseLong(r.get(6)),
                                Integer.parseInt(r.get(7))))));
                        break;
                    case "move":
                        steps.add(new PlanStep.Move(field(r, 1, 9), PlanStep.Stage.valueOf(r.get(2)), r.get(3), r.get(4),
                                r.get(5), Long.parseLong(r.get(6)), Long.parseLong(r.get(7)), r.get(8)));
                        break;
                    case "link":
                        steps.add(new PlanStep.Link(field(r, 1, 4), r.get(2), r.get(3)));
                        break;
                    case "planned":
                        planned = Integer.parseInt(field(r, 1, 2));
                        break;
                    default:
                        throw new IllegalArgumentException("unknown record '" + r.get(0) + "' in the plan");
                }
            }
            if (planned != steps.size()) {
                throw new IllegalArgumentException("the plan ends without its 'planned' record, or its count is not "
                        + steps.size());
            }
            RelocationPlan plan = new RelocationPlan(new PreparationProfile(name, rootReadOnly, postMount), steps, times,
                    skipped, List.of());
            PreparationJournal journal = new PreparationJournal(file, created, plan, lineEnds.get(lineEnds.size() - 1));
            for (; index < records.size(); index++) {
                List<String> r = records.get(index);
                switch (r.get(0)) {
                    case "begin":
                        journal.begun.add(step(r, planned));
                        break;
                    case "done":
                        journal.done.add(step(r, planned));
                        break;
                    case "applied":
                        journal.applied = true;
                        break;
                    case "undo":
                        journal.undoing = true;
                        break;
                    case "undone":
                        journal.undone.add(step(r, planned));
                        break;
                    default:
                        throw new IllegalArgumentException("unknown record '" + r.get(0) + "' after the plan");
                }
            }
            return journal;
        } catch (RuntimeException e) {
            throw new DamagedJournalException(file + " line " + (index + 1) + " cannot be read: " + e.getMessage());
        }
    }

    private static String field(List<String> record, int index, int size) {
        if (record.size() != size) {
            throw new IllegalArgumentException("a '" + record.get(0) + "' record has " + record.size() + " words, not " + size);
        }
        return record.get(index);
    }

    private static int step(List<String> record, int planned) {
        int step = Integer.parseInt(field(record, 1, 2));
        if (step < 1 || step > planned) {
            throw new IllegalArgumentException("step " + step + " is not one of the plan's 1 to " + planned);
        }
        return step;
    }

    // ---- progress records

    /** Step {@code number} (1-based) is about to change the tree. */
    public void recordBegin(int number) throws IOException {
        append("begin", Integer.toString(number));
        begun.add(number);
    }

    /** Step {@code number} is finished and durable. */
    public void recordDone(int number) throws IOException {
        append("done", Integer.toString(number));
        done.add(number);
    }

    /** Every step is done. */
    public void recordApplied() throws IOException {
        append("applied");
        applied = true;
    }

    /** Undo starts: from here on only undo may continue. */
    public void recordUndoStarted() throws IOException {
        append("undo");
        undoing = true;
    }

    /** Step {@code number} is undone and durable. */
    public void recordUndone(int number) throws IOException {
        append("undone", Integer.toString(number));
        undone.add(number);
    }

    /** Removes the journal (undo's last act) and forces its directory. */
    public void delete() throws IOException {
        Files.delete(file);
        DurableFiles.forceDirectory(file.getParent());
    }

    private void append(String... words) throws IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        line(text, words);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(validLength);
            channel.position(validLength);
            ByteBuffer buffer = ByteBuffer.wrap(text.toByteArray());
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        validLength += text.size();
    }

    // ---- state

    public Path file() {
        return file;
    }

    public Instant created() {
        return created;
    }

    public RelocationPlan plan() {
        return plan;
    }

    public boolean begun(int number) {
        return begun.contains(number);
    }

    public boolean done(int number) {
        return done.contains(number);
    }

    public boolean undone(int number) {
        return undone.contains(number);
    }

    public int doneCount() {
        return done.size();
    }

    public int undoneCount() {
        return undone.size();
    }

    public boolean applied() {
        return applied;
    }

    public boolean undoing() {
        return undoing;
    }

    // ---- lines

    private static void line(ByteArrayOutputStream out, String... words) {
        StringBuilder record = new StringBuilder();
        for (String word : words) {
            if (record.length() > 0) {
                record.append(' ');
            }
            record.append(encode(word));
        }
        byte[] payload = record.toString().getBytes(StandardCharsets.US_ASCII);
        CRC32C crc = new CRC32C();
        crc.update(payload);
        out.writeBytes(String.format("%08x ", crc.getValue()).getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(payload);
        out.write('\n');
    }

    /** The words of the line {@code bytes[start, end)}, or null when its checksum does not match. */
    private static List<String> decodeLine(byte[] bytes, int start, int end) {
        if (end - start < 10 || bytes[start + 8] != ' ') {
            return null;
        }
        String crcText = new String(bytes, start, 8, StandardCharsets.US_ASCII);
        CRC32C crc = new CRC32C();
        crc.update(bytes, start + 9, end - start - 9);
        if (!crcText.equals(String.format("%08x", crc.getValue()))) {
            return null;
        }
        List<String> words = new ArrayList<>();
        for (String word : new String(bytes, start + 9, end - start - 9, StandardCharsets.US_ASCII).split(" ")) {
            words.add(decode(word));
        }
        return words;
    }

    static String encode(String word) {
        if (word.isEmpty()) {
            throw new IllegalArgumentException("a journal word must not be empty");
        }
        StringBuilder out = new StringBuilder();
        for (byte b : word.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c > ' ' && c < 0x7f && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return out.toString();
    }

    static String decode(String word) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (c == '%') {
                out.write(Integer.parseInt(word.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
