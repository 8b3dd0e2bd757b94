package org.clonefarm.platform.cms;

/** CMS record format of a file: fixed-length or variable-length records. */
public enum RecordFormat {
    /** Every record is exactly LRECL bytes; records are packed end to end. */
    F((byte) 0xC6, 4),
    /** Records of 1 to 65535 bytes, each preceded by a 2-byte length. */
    V((byte) 0xE5, 12);

    private final byte code;
    private final int pointerSize;

    RecordFormat(byte code, int pointerSize) {
        this.code = code;
        this.pointerSize = pointerSize;
    }

    /** The FSTRECFM byte: EBCDIC 'F' (X'C6') or 'V' (X'E5'). */
    public byte code() {
        return code;
    }

    /** The FSTPTRSZ value: 4 for F files, 12 for V files. */
    public int pointerSize() {
        return pointerSize;
    }

    /** The format for an FSTRECFM byte, or null when the byte is neither. */
    public static RecordFormat ofCode(byte code) {
        for (RecordFormat format : values()) {
            if (format.code == code) {
                return format;
            }
        }
        return null;
    }
}
