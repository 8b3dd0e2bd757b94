package org.clonefarm.platform.cms;

import java.io.IOException;

/**
 * The disk has too few free blocks for a write. Nothing on the disk was changed. Retryable after
 * files are erased or the minidisk is made larger.
 */
public final class CmsDiskFullException extends IOException {
    private static final long serialVersionUID = 1L;

    public CmsDiskFullException(String disk, long needed, long free) {
        super("CMS disk " + disk + " is full: the write needs " + needed + " blocks, " + free + " are free");
    }
}
