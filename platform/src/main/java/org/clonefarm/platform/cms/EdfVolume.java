package org.clonefarm.platform.cms;

import java.time.LocalDateTime;

/**
 * What the volume label of a CMS disk says. Immutable.
 *
 * @param label the volume label (1 to 6 characters)
 * @param layout where the label was found: CKD or FBA
 * @param blockSize 512, 1024, 2048 or 4096
 * @param totalBlocks blocks on the disk
 * @param usedBlocks blocks in use (label, directory and allocation map included)
 * @param created when the disk was formatted, or null if the label's date is unreadable
 */
public record EdfVolume(String label, DiskLayout layout, int blockSize, long totalBlocks, long usedBlocks,
        LocalDateTime created) {
}
