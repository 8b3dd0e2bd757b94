package org.clonefarm.platform.cms;

import java.io.IOException;

/**
 * The image does not hold a valid CMS EDF file system, or one of its structures is damaged: a bad
 * volume label, a pointer outside the disk, a record count that does not match the data, a variable
 * pointer block whose back pointer or record numbers are wrong.
 *
 * <p>Not retryable: the bytes on disk are wrong and reading again gives the same answer. Nothing read
 * from a structure that fails its checks is ever returned as data.
 */
public final class EdfFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Block number for errors that are not tied to one block. */
    public static final long NO_BLOCK = -1;

    private final String structure;
    private final long block;

    /**
     * @param structure the damaged structure, named after the format document ("volume label",
     *     "FST of NAMES DATA", "pointer block of PROFILE EXEC")
     * @param block the EDF block number (1-based) where the damage was found, or {@link #NO_BLOCK}
     * @param detail what is wrong, in one sentence without a trailing period
     */
    public EdfFormatException(String structure, long block, String detail) {
        super(structure + (block == NO_BLOCK ? "" : " in block " + block) + ": " + detail);
        this.structure = structure;
        this.block = block;
    }

    /** The damaged structure's name. */
    public String structure() {
        return structure;
    }

    /** The EDF block (1-based) where the damage was found, or {@link #NO_BLOCK}. */
    public long block() {
        return block;
    }

    /** Always false: a damaged image stays damaged. */
    public boolean retryable() {
        return false;
    }
}
