package org.clonefarm.platform.cms;

import java.io.IOException;

/** The named file is not on the disk. Not retryable. */
public final class CmsFileNotFoundException extends IOException {
    private static final long serialVersionUID = 1L;
    private final CmsFileId file;

    public CmsFileNotFoundException(CmsFileId file, String disk) {
        super("file " + file.name() + " " + file.type() + " is not on the CMS disk " + disk);
        this.file = file;
    }

    /** The file that was looked for. */
    public CmsFileId file() {
        return file;
    }
}
