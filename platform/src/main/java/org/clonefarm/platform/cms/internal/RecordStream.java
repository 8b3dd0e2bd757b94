package org.clonefarm.platform.cms.internal;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.clonefarm.platform.cms.EdfFormatException;

/**
 * The bytes of a file's data blocks, read as one stream. F: records of LRECL bytes packed end to end.
 * V: each record is a 2-byte length and its bytes, continuous across blocks (a length field may be
 * split by a block boundary); the zero padding of the last block reads as a 0 length, which ends the
 * file. Stateless.
 */
public final class RecordStream {

    /** The longest V record: its length must fit the 2-byte header. */
    public static final int MAX_VARIABLE_RECORD = 65535;

    /**
     * An encoded file.
     *
     * @param bytes the stream, not padded
     * @param headerStarts V: stream offsets of every record header, then of the end of the data;
     *     empty for F
     * @param lrecl FSTLRECL: F record length, V longest record
     */
    public record Encoded(byte[] bytes, long[] headerStarts, int lrecl) {
    }

    private RecordStream() {
    }

    /** Packs F records; each must be exactly {@code lrecl} bytes. */
    public static Encoded encodeFixed(List<byte[]> records, int lrecl) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(records.size() * lrecl);
        for (int i = 0; i < records.size(); i++) {
            byte[] record = records.get(i);
            if (record.length != lrecl) {
                throw new IllegalArgumentException("record " + (i + 1) + " is " + record.length
                        + " bytes; every record of an F " + lrecl + " file is " + lrecl + " bytes");
            }
            out.writeBytes(record);
        }
        return new Encoded(out.toByteArray(), new long[0], lrecl);
    }

    /** Chains V records; each must be 1 to 65535 bytes. */
    public static Encoded encodeVariable(List<byte[]> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long[] starts = new long[records.size() + 1];
        int longest = 0;
        for (int i = 0; i < records.size(); i++) {
            byte[] record = records.get(i);
            if (record.length == 0 || record.length > MAX_VARIABLE_RECORD) {
                throw new IllegalArgumentException("record " + (i + 1) + " is " + record.length
                        + " bytes; V records are 1 to " + MAX_VARIABLE_RECORD + " bytes");
            }
            starts[i] = out.size();
            out.write(record.length >>> 8);
            out.write(record.length & 0xFF);
            out.writeBytes(record);
            longest = Math.max(longest, record.length);
        }
        starts[records.size()] = out.size();
        return new Encoded(out.toByteArray(), starts, longest);
    }

    /**
     * The level-1 V pointer entries for a stream: per data block, the last record that starts in it (or
     * runs through it) and the offset of the first header starting in it, or {@link
     * VariablePointerEntry#NO_HEADER}. The end of the data counts as a header when it falls inside a block.
     *
     * @param headerStarts offsets of every record header, then of the end of the data
     * @return one entry per data block, with block number 0 (filled in when blocks are allocated)
     */
    public static List<VariablePointerEntry> variableEntries(long[] headerStarts, long streamLength, int blockSize) {
        long blocks = (streamLength + blockSize - 1) / blockSize;
        List<VariablePointerEntry> entries = new ArrayList<>();
        int recordCount = headerStarts.length - 1;
        int next = 0; // index of the first header start not yet before the current block
        for (long b = 0; b < blocks; b++) {
            long start = b * blockSize;
            long end = start + blockSize;
            while (next < headerStarts.length && headerStarts[next] < start) {
                next++;
            }
            long displacement = VariablePointerEntry.NO_HEADER;
            if (next < headerStarts.length && headerStarts[next] < end) {
                displacement = headerStarts[next] - start;
            }
            int lastStarting = next;
            while (lastStarting < recordCount && headerStarts[lastStarting] < end) {
                lastStarting++;
            }
            entries.add(new VariablePointerEntry(0, lastStarting, displacement));
        }
        return entries;
    }

    /** Splits F data into {@code records} records of {@code lrecl} bytes. */
    public static List<byte[]> decodeFixed(byte[] data, long records, int lrecl) {
        List<byte[]> result = new ArrayList<>((int) records);
        for (long i = 0; i < records; i++) {
            int from = (int) (i * lrecl);
            byte[] record = new byte[lrecl];
            System.arraycopy(data, from, record, 0, lrecl);
            result.add(record);
        }
        return result;
    }

    /**
     * Reads {@code records} V records, checking the stream against the FST and the pointer entries.
     *
     * @param data the data blocks concatenated
     * @param entries the level-1 pointer entries, or null for a file without pointer blocks
     * @param lrecl FSTLRECL, the longest record
     * @throws EdfFormatException if the data holds fewer or more records than FSTAIC, a record is longer
     *     than FSTLRECL, the data does not end in the last block, or an entry's record number or
     *     displacement does not match the data
     */
    public static List<byte[]> decodeVariable(byte[] data, long records, int lrecl, List<VariablePointerEntry> entries,
            int blockSize, String what, long fstBlock) throws EdfFormatException {
        if (records > data.length / 3) {
            throw new EdfFormatException("data of " + what, EdfFormatException.NO_BLOCK, "record count mismatch: FSTAIC "
                    + records + " records cannot fit " + data.length / blockSize + " data blocks");
        }
        List<byte[]> result = new ArrayList<>();
        long[] starts = new long[(int) records + 1];
        int pos = 0;
        String name = "data of " + what;
        for (int r = 0; r < records; r++) {
            if (pos + 2 > data.length) {
                throw new EdfFormatException(name, EdfFormatException.NO_BLOCK, "record count mismatch: the data blocks end after "
                        + r + " records, but FSTAIC says " + records);
            }
            int length = Bytes.u16(data, pos);
            if (length == 0) {
                throw new EdfFormatException(name, EdfFormatException.NO_BLOCK, "record count mismatch: the data ends after " + r
                        + " records, but FSTAIC says " + records);
            }
            if (length > lrecl) {
                throw new EdfFormatException(name, EdfFormatException.NO_BLOCK, "record " + (r + 1) + " is " + length
                        + " bytes, longer than FSTLRECL " + lrecl);
            }
            if (pos + 2 + length > data.length) {
                throw new EdfFormatException(name, EdfFormatException.NO_BLOCK, "record " + (r + 1) + " of " + length
                        + " bytes runs past the last data block");
            }
            starts[r] = pos;
            byte[] record = new byte[length];
            System.arraycopy(data, pos + 2, record, 0, length);
            result.add(record);
            pos += 2 + length;
        }
        starts[(int) records] = pos;
        if (pos + 2 <= data.length && Bytes.u16(data, pos) != 0) {
            throw new EdfFormatException(name, EdfFormatException.NO_BLOCK, "record count mismatch: more records follow record "
                    + records + ", the count FSTAIC gives");
        }
        long usedBlocks = (pos + blockSize - 1) / blockSize;
        long withEndMarker = (pos + 2 + blockSize - 1) / blockSize;
        if (data.length / blockSize > withEndMarker) {
            throw new EdfFormatException(name, EdfFormatException.NO_BLOCK, "the " + records + " records fill " + usedBlocks
                    + " blocks, but the file has " + data.length / blockSize + " data blocks");
        }
        if (entries != null) {
            List<VariablePointerEntry> expected = variableEntries(starts, pos, blockSize);
            for (int i = 0; i < entries.size() && i < expected.size(); i++) {
                VariablePointerEntry found = entries.get(i);
                VariablePointerEntry wanted = expected.get(i);
                if (found.lastRecord() != wanted.lastRecord()) {
                    throw new EdfFormatException("pointer block of " + what, EdfFormatException.NO_BLOCK, "the entry for data block "
                            + (i + 1) + " (block " + found.block() + ") says its last record is " + found.lastRecord()
                            + ", the data says " + wanted.lastRecord());
                }
                if (found.displacement() != wanted.displacement() && found.block() != 0) {
                    throw new EdfFormatException("pointer block of " + what, EdfFormatException.NO_BLOCK, "the entry for data block "
                            + (i + 1) + " (block " + found.block() + ") gives displacement " + displacementText(found)
                            + ", the data says " + displacementText(wanted));
                }
            }
        }
        return result;
    }

    private static String displacementText(VariablePointerEntry entry) {
        return entry.displacement() == VariablePointerEntry.NO_HEADER ? "X'FFFFFFFF' (no header)"
                : Long.toString(entry.displacement());
    }
}
